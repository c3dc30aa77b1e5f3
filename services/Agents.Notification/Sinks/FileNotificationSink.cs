using System.Text.Json;
using Agents.Contracts.Notification;
using Microsoft.Extensions.Options;

namespace Agents.Notification.Sinks;

/// <summary>
/// The local notification sink: one JSON line per notification appended to a file, and the summary in
/// the service log (a page at Critical level, so that log-based alerting sees it).
/// </summary>
public sealed class FileNotificationSink(IOptions<NotificationOptions> options, ILogger<FileNotificationSink> logger)
    : INotificationSink, IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task DeliverAsync(NotifyIncident command, NotificationRecord notification, CancellationToken ct)
    {
        if (notification.Priority == "page")
        {
            NotificationLog.Page(logger, command.IncidentId, notification.Title, notification.Summary);
        }
        else
        {
            NotificationLog.Notice(logger, command.IncidentId, notification.Priority, notification.Title, notification.Summary);
        }

        var path = Path.GetFullPath(options.Value.SinkPath);
        var line = JsonSerializer.Serialize(new { incidentId = command.IncidentId, attempt = command.Attempt, notification }, Json);
        await _gate.WaitAsync(ct);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.AppendAllTextAsync(path, line + Environment.NewLine, ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
