using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Agents.Testing;

/// <summary>
/// A RabbitMQ node of a test's own, started by <c>deploy/local/deps.sh</c> with a state directory and ports of its own,
/// so that a test may stop and restart it without disturbing the shared node every other test uses. Data is kept across
/// <see cref="Restart"/> (durable queues, persistent messages), as in a real broker restart. Compiled into each project
/// that needs it.
/// </summary>
internal sealed class PrivateBroker : IAsyncDisposable
{
    private readonly string _stateDirectory;
    private readonly Dictionary<string, string> _environment;

    private PrivateBroker(string repositoryRoot, string stateDirectory, int amqpPort, int managementPort, int distributionPort)
    {
        RepositoryRoot = repositoryRoot;
        _stateDirectory = stateDirectory;
        AmqpPort = amqpPort;
        _environment = new Dictionary<string, string>
        {
            ["AGENTS_STATE_DIR"] = stateDirectory,
            ["AGENTS_RABBITMQ_PORT"] = amqpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AGENTS_RABBITMQ_MGMT_PORT"] = managementPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AGENTS_RABBITMQ_DIST_PORT"] = distributionPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    public string RepositoryRoot { get; }

    public int AmqpPort { get; }

    public string Url => $"amqp://guest:guest@127.0.0.1:{AmqpPort}";

    /// <summary>The node's management API (guest/guest).</summary>
    public Uri ManagementUrl => new($"http://127.0.0.1:{_environment["AGENTS_RABBITMQ_MGMT_PORT"]}/");

    /// <summary>
    /// Raises a memory alarm (<c>rabbitmqctl set_vm_memory_high_watermark 0</c>): every connection that publishes is
    /// blocked until <see cref="UnblockPublishers"/>; consumers go on receiving.
    /// </summary>
    public Task BlockPublishers() => Deps("ctl", "set_vm_memory_high_watermark", "0");

    /// <summary>Clears the alarm <see cref="BlockPublishers"/> raised (the default watermark, 0.4).</summary>
    public Task UnblockPublishers() => Deps("ctl", "set_vm_memory_high_watermark", "0.4");

    /// <summary>
    /// Starts a node on free loopback ports; takes 6 to 20 s. A port found free can be taken before the node binds it
    /// (an outgoing connection of another process gets it from the same ephemeral range): a node that could not listen
    /// (<c>eaddrinuse</c> in its log) is stopped and started again on other ports, up to three times.
    /// </summary>
    public static async Task<PrivateBroker> Start(string repositoryRoot)
    {
        for (var attempt = 1; ; attempt++)
        {
            var state = Path.Combine(Path.GetTempPath(), $"agents-broker-{Guid.NewGuid():N}"[..24]);
            var broker = new PrivateBroker(repositoryRoot, state, FreePort(), FreePort(), FreePort());
            try
            {
                await broker.Deps("up", "rabbitmq");
                return broker;
            }
            catch (InvalidOperationException) when (attempt < 3 && broker.PortWasTaken())
            {
                await broker.DisposeAsync();
            }
        }
    }

    private bool PortWasTaken()
    {
        var log = Path.Combine(_stateDirectory, "logs", "rabbitmq.log");
        return File.Exists(log) && File.ReadAllText(log).Contains("eaddrinuse", StringComparison.Ordinal);
    }

    /// <summary>Stops the node (<c>rabbitmqctl stop</c>) and starts it again on the same data; answers how long it was down.</summary>
    public async Task<TimeSpan> Restart()
    {
        var clock = Stopwatch.StartNew();
        await Deps("restart", "rabbitmq");
        return clock.Elapsed;
    }

    /// <summary>
    /// Kills the node (SIGKILL: no shutdown, nothing flushed that was not already on disk) and starts it again on the same
    /// data; answers how long it was down. Faster than <see cref="Restart"/>, and harsher: what the broker confirmed must
    /// survive it.
    /// </summary>
    public async Task<TimeSpan> CrashAndRestart()
    {
        var clock = Stopwatch.StartNew();
        var pid = int.Parse((await Deps("pid", "rabbitmq")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        using (var node = Process.GetProcessById(pid))
        {
            node.Kill();
            await node.WaitForExitAsync();
        }

        await Deps("up", "rabbitmq");
        return clock.Elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Deps("down", "rabbitmq");
        }
        finally
        {
            try
            {
                Directory.Delete(_stateDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A log still open by a dying process: the temp directory is left to the system.
            }
        }
    }

    private async Task<string> Deps(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(RepositoryRoot, "deploy", "local", "deps.sh"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"deps.sh {string.Join(' ', arguments)} did not finish in 5 minutes:{Environment.NewLine}{await output}{await errors}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"deps.sh {string.Join(' ', arguments)} exited {process.ExitCode}:{Environment.NewLine}{await output}{await errors}");
        }

        return await output;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
