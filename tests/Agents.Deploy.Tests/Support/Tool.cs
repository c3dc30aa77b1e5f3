using System.Diagnostics;

namespace Agents.Deploy.Tests.Support;

internal sealed record ToolResult(string Command, int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Stdout when the command succeeded; otherwise fails the test with the command's stderr.</summary>
    public string StdoutOrFail()
    {
        Assert.True(ExitCode == 0, $"`{Command}` exited with {ExitCode}:\n{Stderr.Trim()}\n{Stdout.Trim()}".TrimEnd());
        return Stdout;
    }
}

/// <summary>Runs the command-line tools the checks rely on (kubectl, docker-compose).</summary>
internal static class Tool
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>The full path of <paramref name="name"/> on PATH, or null.</summary>
    public static string? Find(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The full path of <paramref name="name"/>; fails the test with <paramref name="howToInstall"/> when it is missing.</summary>
    public static string Require(string name, string howToInstall) =>
        Find(name) ?? throw new Xunit.Sdk.XunitException($"`{name}` is not on PATH: {howToInstall}");

    public static ToolResult Run(string file, IReadOnlyList<string> args, string workingDirectory, string? stdin = null)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var command = $"{Path.GetFileName(file)} {string.Join(' ', args)}";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {command}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }

        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"`{command}` did not finish within {Timeout.TotalSeconds:0} s");
        }

        process.WaitForExit();
        return new ToolResult(command, process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }
}
