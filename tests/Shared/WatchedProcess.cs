using System.Collections.Concurrent;
using System.Diagnostics;

namespace Agents.Testing;

/// <summary>
/// A server process for tests (redis-server, aiosmtpd …), started through a small <c>/bin/sh</c> wrapper that kills it
/// when the wrapper's standard input, which the test process holds, reaches end of file: a crashed, killed or hung
/// test run leaves no server behind. Its output lines go to the owner's sink as they come. Compiled into each test
/// project that needs it.
/// </summary>
internal sealed class WatchedProcess
{
    // "$@" runs in the background; a watcher kills it when the wrapper's stdin (held by the test process) closes.
    private const string Wrapper = """
        exec 3<&0
        "$@" 3<&- </dev/null &
        child=$!
        ( while read -r _ <&3; do :; done; kill -KILL "$child" 2>/dev/null ) >/dev/null 2>&1 &
        watcher=$!
        exec 3<&-
        wait "$child"
        status=$?
        kill "$watcher" 2>/dev/null
        exit "$status"
        """;

    private readonly Process _process;

    private WatchedProcess(Process process) => _process = process;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="binary"/> with <paramref name="arguments"/> in <paramref name="directory"/>; each output line goes to <paramref name="output"/>.</summary>
    public static WatchedProcess Start(
        string name, string binary, IEnumerable<string> arguments, string directory, Action<string> output,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Wrapper);
        start.ArgumentList.Add(name);
        start.ArgumentList.Add(binary);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Forward(e.Data);
        process.ErrorDataReceived += (_, e) => Forward(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new WatchedProcess(process);

        void Forward(string? line)
        {
            if (line is not null)
            {
                output(line);
            }
        }
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>Closes the wrapper's input (the watcher kills the server), waits up to 5 s, then kills what is left.</summary>
    public async Task StopAsync()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The wrapper is gone already.
        }

        using (var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            try
            {
                await _process.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                try
                {
                    _process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // Exited meanwhile.
                }
            }
        }

        _process.Dispose();
    }

    /// <summary>Adds <paramref name="line"/> to <paramref name="lines"/>, keeping the last <paramref name="keep"/>.</summary>
    public static void Keep(ConcurrentQueue<string> lines, string line, int keep = 200)
    {
        lines.Enqueue(line);
        while (lines.Count > keep && lines.TryDequeue(out _))
        {
        }
    }
}
