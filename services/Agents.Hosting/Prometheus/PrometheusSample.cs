using System.Text.Json.Serialization;

namespace Agents.Hosting.Prometheus;

/// <summary>
/// One sample as Prometheus writes it: <c>[&lt;unix seconds, a float&gt;, "&lt;value as text&gt;"]</c>. The value is text so
/// that <c>NaN</c>, <c>+Inf</c> and <c>-Inf</c> can be written; <see cref="Value"/> is <see cref="double.NaN"/> or infinite then.
/// </summary>
[JsonConverter(typeof(PrometheusSampleConverter))]
public readonly record struct PrometheusSample(double UnixSeconds, double Value)
{
    private static readonly double MaxUnixSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    /// <summary>True when the time is one a <see cref="DateTimeOffset"/> can hold (a broken server could send 1e300).</summary>
    public bool HasValidTime => double.IsFinite(UnixSeconds) && UnixSeconds >= 0 && UnixSeconds < MaxUnixSeconds;

    public DateTimeOffset At => DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(UnixSeconds * 1000));
}
