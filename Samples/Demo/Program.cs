using BypassNet.Samples.Demo;

DemoArguments arguments;
try
{
    arguments = DemoArguments.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(DemoArguments.Usage);
    return 2;
}

if (arguments.Load)
{
    return await LoadClient.RunAsync(arguments.Port, arguments.Connections, arguments.MessageSize);
}

if (arguments.ServeSockets)
{
    return await SocketEchoServer.ServeAsync(arguments.Port);
}

return await Comparison.RunAsync(arguments);
