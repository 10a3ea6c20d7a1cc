using BypassNet.AspNetCore;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Hosting;

/// <summary>Puts Kestrel on the BypassNet transport.</summary>
public static class BypassNetWebHostBuilderExtensions
{
    /// <summary>
    /// Makes Kestrel accept TCP connections on BypassNet (io_uring, or the socket engine where io_uring is missing).
    /// Call it after Kestrel is configured (with <c>WebApplicationBuilder</c>: <c>builder.WebHost.UseBypassNet()</c>); the
    /// last registered transport wins. Endpoints BypassNet cannot bind (Unix sockets, named pipes) stay on Kestrel's
    /// socket transport.
    /// </summary>
    public static IWebHostBuilder UseBypassNet(this IWebHostBuilder hostBuilder) => hostBuilder.UseBypassNet(static _ => { });

    /// <summary>As <see cref="UseBypassNet(IWebHostBuilder)"/>, with transport settings.</summary>
    public static IWebHostBuilder UseBypassNet(this IWebHostBuilder hostBuilder, Action<BypassNetTransportOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(hostBuilder);
        ArgumentNullException.ThrowIfNull(configureOptions);
        return hostBuilder.ConfigureServices(services =>
        {
            services.AddSingleton<BypassNetTransportFactory>();
            services.AddSingleton<IConnectionListenerFactory>(static provider => provider.GetRequiredService<BypassNetTransportFactory>());
            services.Configure(configureOptions);
        });
    }
}
