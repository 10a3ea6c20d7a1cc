using Microsoft.CodeAnalysis;

namespace BypassNet.Analyzers.Migration;

/// <summary>The diagnostic IDs and descriptors of the migration rules (BYP100, BYP101).</summary>
internal static class MigrationDescriptors
{
    /// <summary>A TCP System.Net.Sockets.Socket that BypassNet.BypassSocket can replace.</summary>
    public const string SocketMigrationId = "BYP100";

    /// <summary>A copying send/receive on a BypassSocket inside a loop, where the owned-buffer overload removes a copy.</summary>
    public const string CopyingSocketCallId = "BYP101";

    /// <summary>A socket group BYP100 leaves on System.Net.Sockets, reported where it is blocked and why.</summary>
    public const string BlockedSocketGroupId = "BYP102";

    /// <summary>Diagnostic property: which rewrite a BYP101 fix would make, when one is mechanical and safe.</summary>
    public const string FixKindProperty = "FixKind";

    /// <summary>Value of <see cref="FixKindProperty"/>: a receive into a buffer that is only forwarded to a send.</summary>
    public const string ForwardFixKind = "Forward";

    private const string Category = "Performance";

    // Same base as the ownership rules: the one repository address set in Directory.Build.props.
    private const string HelpBase = RuleDocsUrl.Base;

    public static readonly DiagnosticDescriptor SocketMigration = new(
        SocketMigrationId,
        title: "TCP Socket can be replaced by BypassSocket",
        messageFormat: "{0} can be a {1} instead of a {2}",
        Category,
        DiagnosticSeverity.Info,
        isEnabledByDefault: true,
        description: "BypassNet.BypassSocket mirrors the TCP surface of System.Net.Sockets.Socket and runs it on io_uring. "
            + "Every Socket-typed declaration connected to this socket by assignments, arguments and returns uses only members "
            + "BypassSocket has, and none of them reaches an API that requires a Socket, so swapping the type compiles and behaves the same. "
            + "A TcpListener, the sockets and TcpClients it accepts, and the NetworkStreams over them move together to BypassNet.BypassTcpListener, BypassSocket, BypassTcpClient and BypassNetworkStream. "
            + "This rule is computed over the whole compilation, so it is reported by builds and dotnet format, not live in the editor.",
        helpLinkUri: HelpBase + "BYP100.md",
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor CopyingSocketCall = new(
        CopyingSocketCallId,
        title: "Copying BypassSocket call in a loop",
        messageFormat: "{0} in a loop {1}; the OwnedBuffer overload avoids that",
        Category,
        DiagnosticSeverity.Info,
        isEnabledByDefault: true,
        description: "On io_uring, BypassSocket.ReceiveAsync(Memory<byte>) copies every chunk out of the kernel-filled provided buffer "
            + "into the caller's memory, and SendAsync(ReadOnlyMemory<byte>) pins caller memory that is not registered with the ring, "
            + "which rules out zero-copy send. In a loop, ReceiveAsync(CancellationToken) hands over the kernel's buffer itself "
            + "and SendAsync(OwnedBuffer) sends a registered buffer (zero-copy when large enough), so the bytes are not copied.",
        helpLinkUri: HelpBase + "BYP101.md");

    public static readonly DiagnosticDescriptor BlockedSocketGroup = new(
        BlockedSocketGroupId,
        title: "TCP Socket stays on System.Net.Sockets",
        messageFormat: "BYP100 leaves {1} on System.Net.Sockets: {0}",
        Category,
        DiagnosticSeverity.Info,
        isEnabledByDefault: true,
        description: "BYP100 swaps a group of connected Socket declarations only when all of them can change. This diagnostic marks "
            + "each place that keeps a group on System.Net.Sockets and names the API or construct that needs a Socket, so it can be "
            + "changed and the analysis rerun. Like BYP100 it is computed over the whole compilation.",
        helpLinkUri: HelpBase + "BYP102.md",
        customTags: WellKnownDiagnosticTags.CompilationEnd);
}
