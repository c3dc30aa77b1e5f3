using System.ComponentModel.DataAnnotations;

namespace Agents.Contracts.Alerts;

/// <summary>
/// The bounds on an alert message, shared by the webhook ingress (checked before anything is parsed; a breach is a
/// 413 or 400) and the orchestrator's alert intake (checked again for what producers publish to the exchange
/// themselves; a breach goes to <c>alert-intake_error</c> once, without retries). One configuration section,
/// <c>AlertLimits</c> (<c>AlertLimits__MaxBodyBytes</c>, ...), so both sides agree.
/// </summary>
public sealed class AlertLimits
{
    public const string SectionName = "AlertLimits";

    /// <summary>Largest body in bytes (1 MiB). An Alertmanager group of a thousand alerts with their labels is about 1 MB.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Most elements in any JSON array; in practice the alerts of one Alertmanager webhook (1000).</summary>
    [Range(1, 100_000)]
    public int MaxAlerts { get; set; } = 1000;

    /// <summary>Most properties in any JSON object; in practice the labels (or annotations) of one alert (100).</summary>
    [Range(1, 10_000)]
    public int MaxLabels { get; set; } = 100;

    /// <summary>
    /// Longest label or annotation value, property name or number, in UTF-16 code units (8192); they become labels,
    /// annotations and summaries of the incident.
    /// </summary>
    [Range(16, 1024 * 1024)]
    public int MaxValueLength { get; set; } = 8192;

    /// <summary>
    /// Longest other string (64 Ki characters): text outside labels and annotations, such as the message Grafana renders
    /// over a whole group of alerts.
    /// </summary>
    [Range(16, 64 * 1024 * 1024)]
    public int MaxTextLength { get; set; } = 64 * 1024;

    /// <summary>Deepest nesting of objects and arrays (32; the formats we read need 5).</summary>
    [Range(2, 256)]
    public int MaxDepth { get; set; } = 32;

    /// <summary>The fingerprint column's width: a longer fingerprint is replaced by a hash of itself, never refused.</summary>
    public const int MaxFingerprintLength = 256;
}
