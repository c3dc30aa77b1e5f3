using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Agents.Orchestrator.Workflows;

/// <summary>
/// Reloads the workflow file when it changes on disk (a ConfigMap update, an edit) or when the process gets SIGHUP:
/// the new file is validated first; a file with mistakes is refused with every one of them in the log and the set in
/// force stays. Incidents already open keep the workflow they started with.
/// </summary>
public sealed partial class WorkflowReloader(WorkflowCatalog catalog, string path, Func<WorkflowSet> load, ILogger<WorkflowReloader> logger)
    : IHostedService, IDisposable
{
    /// <summary>Changes closer together than this are one reload (an editor writes a file in several steps).</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(300);

    private readonly object _gate = new();
    private FileSystemWatcher? _watcher;
    private PosixSignalRegistration? _hangup;
    private Timer? _timer;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        _timer = new Timer(_ => Reload("the file changed"));
        _watcher = new FileSystemWatcher(Path.GetDirectoryName(full)!)
        {
            // The whole folder: a Kubernetes ConfigMap swaps a symbolic link to a new folder instead of writing the file.
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.Size,
            IncludeSubdirectories = false,
        };
        _watcher.Changed += (_, _) => _timer.Change(Settle, Timeout.InfiniteTimeSpan);
        _watcher.Created += (_, _) => _timer.Change(Settle, Timeout.InfiniteTimeSpan);
        _watcher.Renamed += (_, _) => _timer.Change(Settle, Timeout.InfiniteTimeSpan);
        _watcher.EnableRaisingEvents = true;
        if (!OperatingSystem.IsWindows())
        {
            _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, signal =>
            {
                signal.Cancel = true; // SIGHUP reloads; it does not end the process
                Reload("SIGHUP");
            });
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Reads and validates the file and puts it in force; on a mistake keeps the set in force. Answers whether it loaded.</summary>
    public bool Reload(string why)
    {
        lock (_gate)
        {
            WorkflowSet loaded;
            try
            {
                loaded = load();
            }
            catch (Exception e) when (e is WorkflowConfigurationException or IOException or UnauthorizedAccessException)
            {
                LogRefused(logger, path, why, catalog.Current.Version, e.Message);
                return false;
            }

            if (loaded.Version == catalog.Current.Version)
            {
                return true; // the same text: nothing changed for new incidents
            }

            var before = catalog.Replace(loaded);
            LogReloaded(logger, path, why, loaded.Version, before.Version, string.Join(", ", loaded.Workflows.Keys), loaded.Routes.Count, loaded.DefaultWorkflow);
            return true;
        }
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _hangup?.Dispose();
        _timer?.Dispose();
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information,
        Message = "Workflow file {Path} reloaded ({Why}): version {Version} (was {Previous}); workflows {Workflows}; {Rules} routing rule(s), default {Default}. Incidents already open keep their workflow.")]
    private static partial void LogReloaded(ILogger logger, string path, string why, string version, string previous, string workflows, int rules, string @default);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Error,
        Message = "Workflow file {Path} changed ({Why}) but is refused; version {Version} stays in force. {Problems}")]
    private static partial void LogRefused(ILogger logger, string path, string why, string version, string problems);
}
