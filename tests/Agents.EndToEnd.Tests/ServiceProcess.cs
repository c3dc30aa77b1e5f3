using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Agents.EndToEnd.Tests;

/// <summary>
/// One service of the system, run as its own process from its build output. It listens on a port the kernel chooses
/// (<c>http://127.0.0.1:0</c>) and its address is read from its own "Now listening on" line: a port picked free
/// beforehand can be taken by another process before the service binds it, and the readiness probe would then be
/// answered by that other process.
/// </summary>
internal sealed partial class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly int _keep;

    private ServiceProcess(string name, Process process, int keep)
    {
        Name = name;
        _process = process;
        _keep = keep;
    }

    public string Name { get; }

    /// <summary>Where the service listens; known once it has said so (after <see cref="WaitReady"/>).</summary>
    public Uri BaseAddress => _listening.Task.IsCompletedSuccessfully
        ? _listening.Task.Result
        : throw new InvalidOperationException($"{Name} has not said where it listens yet");

    public bool HasExited => _process.HasExited;

    /// <summary>The processor time the process has used so far (user and system), for benchmarks that account for it.</summary>
    public TimeSpan ProcessorTime
    {
        get
        {
            _process.Refresh();
            return _process.HasExited ? TimeSpan.Zero : _process.TotalProcessorTime;
        }
    }

    /// <summary>
    /// Waits until the process has exited and its output has been read to the end: <see cref="HasExited"/> can be true
    /// while its last lines (an unhandled exception's, say) are still on their way.
    /// </summary>
    public Task Exited(CancellationToken cancellationToken = default) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>The exit code, once the process has exited.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public string RecentOutput => string.Join(Environment.NewLine, _output.TakeLast(60));

    /// <summary>Every line kept so far (the last 400, or as many as <c>Start</c> was told; <see cref="DroppedLines"/> says how many earlier ones are gone).</summary>
    public IReadOnlyList<string> Output => [.. _output];

    /// <summary>How many lines were dropped from the start of <see cref="Output"/> to keep it within its bound.</summary>
    public int DroppedLines => _dropped;

    private int _dropped;

    /// <summary>Starts <paramref name="name"/>; its last <paramref name="keep"/> lines of output are kept.</summary>
    public static ServiceProcess Start(string name, IReadOnlyDictionary<string, string> environment, int keep = 400)
    {
        // "triage" is Agents.Triage, "change-freeze" Agents.ChangeFreeze.
        var project = "Agents." + string.Concat(name.Split('-').Select(part => char.ToUpperInvariant(part[0]) + part[1..]));
        var dll = Path.Combine(TestEnvironment.RepositoryRoot, "services", project, "bin", TestEnvironment.Configuration, "net10.0", project + ".dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build the solution first.");
        }

        var start = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = TestEnvironment.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information"; // the "Now listening on" line
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Logging__Console__FormatterName"] = "simple";

        var process = new Process { StartInfo = start };
        var service = new ServiceProcess(name, process, keep);
        process.OutputDataReceived += (_, e) => service.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => service.Keep(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    public async Task WaitReady(HttpClient http, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}:{Environment.NewLine}{RecentOutput}");
            }

            if (!_listening.Task.IsCompleted)
            {
                await Task.WhenAny(_listening.Task, Task.Delay(100));
                continue;
            }

            try
            {
                using var response = await http.GetAsync(new Uri(BaseAddress, "/health/ready"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException)
            {
                // one slow answer while many services start on two cores: ask again until the deadline
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{Name} was not ready within {timeout}:{Environment.NewLine}{RecentOutput}");
    }

    /// <summary>
    /// Sends SIGTERM (what Docker and Kubernetes send) and waits up to <paramref name="timeout"/> for the process to
    /// exit; answers its exit code.
    /// </summary>
    public async Task<int> Terminate(TimeSpan timeout)
    {
        if (Kill(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill -TERM {_process.Id} failed: errno {Marshal.GetLastPInvokeError()}");
        }

        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} did not exit within {timeout} of SIGTERM:{Environment.NewLine}{RecentOutput}");
        }

        return _process.ExitCode;
    }

    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        if (!_listening.Task.IsCompleted && Listening().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(new Uri(match.Groups["address"].Value));
        }

        while (_output.Count > _keep && _output.TryDequeue(out _))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    [GeneratedRegex(@"Now listening on: (?<address>http://\S+)")]
    private static partial Regex Listening();
}
