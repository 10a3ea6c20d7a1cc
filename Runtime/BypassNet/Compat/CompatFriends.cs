using System.Runtime.CompilerServices;

// The Kestrel transport hooks the pipe's internal error translation and drain; the compat tests reach the same hooks.
[assembly: InternalsVisibleTo("BypassNet.AspNetCore")]
[assembly: InternalsVisibleTo("BypassNet.Compat.Tests")]
