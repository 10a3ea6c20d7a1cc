using BypassNet.Samples.Attack;

// Attacks on a server over loopback, each with healthy probers beside it; see AttackArguments.Usage.
AttackArguments arguments;
try
{
    arguments = AttackArguments.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(AttackArguments.Usage);
    return 2;
}

long limit = FileLimit.RaiseToHard();
ProbeProtocol protocol = ProbeProtocol.Parse(arguments.Probe, arguments.Path);
// Bounded: setup, hold, release and the probing after it, plus a margin; nothing outlives this.
using var overall = new CancellationTokenSource(arguments.Hold + arguments.After + TimeSpan.FromSeconds(120));

if (arguments.Attack == "idle-memory")
{
    if (arguments.Pid == 0)
    {
        Console.Error.WriteLine("idle-memory needs --pid PID of the server");
        return 2;
    }

    return await new IdleMemory(arguments.Target, arguments.Pid, arguments.Steps, protocol).RunAsync(overall.Token);
}

IAttack attack = arguments.Attack switch
{
    "stall" => new StalledReaders(arguments.Target, arguments.Connections ?? 100, arguments.Mebibytes, arguments.ReceiveBuffer,
        arguments.Payload ?? (arguments.Probe == "echo" ? "raw" : arguments.Probe), arguments.Path),
    "dribble" => new RespDribble(arguments.Target, arguments.Connections ?? 8, arguments.ValueKib, arguments.Gets, arguments.Segment, arguments.SegmentDelay, arguments.ReceiveBuffer),
    "slowloris" => new Slowloris(arguments.Target, arguments.Connections ?? 200, arguments.ByteInterval, arguments.Path),
    "fdflood" => new FdFlood(arguments.Target, arguments.Connections ?? 2000),
    _ => throw new ArgumentException($"unknown attack '{arguments.Attack}'"),
};

Console.WriteLine($"{arguments.Attack} against {arguments.Target}, healthy probe: {arguments.Probe} every {arguments.Interval.TotalMilliseconds:0} ms (timeout {arguments.Timeout.TotalMilliseconds:0} ms); descriptor limit {limit}");
var session = new AttackSession(arguments.Target, protocol, arguments.Interval, arguments.Timeout);
AttackResult result = await session.RunAsync(attack, arguments.Hold, arguments.After, Console.WriteLine, overall.Token);
foreach (ProbeReport report in result.All)
{
    Console.WriteLine(report);
}

Console.WriteLine(result.Healthy ? "VERDICT: every healthy probe was answered" : "VERDICT: some healthy probes went unanswered");
return result.Healthy ? 0 : 1;
