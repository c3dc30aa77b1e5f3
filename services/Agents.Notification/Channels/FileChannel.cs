using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Agents.Notification.Channels;

/// <summary>
/// The local channel, always on: one JSON line per event appended to <c>Notification__SinkPath</c>, and the summary in
/// the service log (a page at Critical level, so that log-based alerting sees it).
/// </summary>
public sealed class FileChannel(IOptions<NotificationOptions> options, ILogger<FileChannel> logger) : INotificationChannel, IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Name => "file";

    public bool IsConfigured => true;

    public bool IsIdempotent => false;

    public string? DefaultTarget => null;

    public async Task<ChannelReceipt> SendAsync(ChannelMessage message, string? target, CancellationToken cancellationToken)
    {
        if (message.Priority == "page")
        {
            NotificationLog.Page(logger, message.IncidentId, message.Title, message.Summary);
        }
        else
        {
            NotificationLog.Notice(logger, message.IncidentId, message.Priority, message.Title, message.Summary);
        }

        var path = Path.GetFullPath(options.Value.SinkPath);
        var line = JsonSerializer.Serialize(new
        {
            incidentId = message.IncidentId,
            eventKey = message.EventKey,
            notification = new { kind = message.Event, priority = message.Priority, status = message.Status, title = message.Title, summary = message.Summary, sentAt = message.At },
        }, Json);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.AppendAllTextAsync(path, line + Environment.NewLine, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }

        return new ChannelReceipt();
    }

    public void Dispose() => _gate.Dispose();
}
