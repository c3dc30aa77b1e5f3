using Agents.Context.Sources;
using Agents.Testing;
using static Agents.Testing.PrometheusHistory;

namespace Agents.Brains.Tests.Context;

/// <summary>
/// One real Prometheus for the whole <see cref="PrometheusSourceTests"/> class, over 2.5 hours of history ending a
/// minute before the class started, with five services at once:
/// <list type="bullet">
/// <item><c>checkout</c>: error ratio steps from 0.5% to 20% at <see cref="CheckoutStep"/> (20 minutes before the end);
/// p99 latency flat at 0.3 s.</item>
/// <item><c>search</c>: saturation rises from 0.4 to 0.95 over 10 minutes from <see cref="SearchRise"/>; errors flat.</item>
/// <item><c>frontend</c> depends on <c>payments</c>: payments' error ratio steps up at <see cref="PaymentsStep"/>,
/// frontend's five minutes later (<see cref="FrontendStep"/>).</item>
/// <item><c>flat</c>: everything flat, with noise (saturation 0.5 too).</item>
/// </list>
/// </summary>
public sealed class PrometheusHistoryFixture : IAsyncLifetime
{
    public const double CheckoutBefore = 0.005;
    public const double CheckoutAfter = 0.2;
    public const double CheckoutLatency = 0.3;

    private PrometheusHistory? _prometheus;

    public PrometheusHistoryFixture()
    {
        var now = DateTimeOffset.UtcNow;
        var grid = (long)DefaultInterval.TotalSeconds;
        End = DateTimeOffset.FromUnixTimeSeconds((now - DefaultEndBeforeNow).ToUnixTimeSeconds() / grid * grid);
        CheckoutStep = End.AddMinutes(-20);
        SearchRise = End.AddMinutes(-25);
        PaymentsStep = End.AddMinutes(-30);
        FrontendStep = PaymentsStep.AddMinutes(5);
        Window = new ContextWindow(End.AddHours(-2), End) { IncidentStart = End.AddMinutes(-45) };
    }

    /// <summary>The last sample's time.</summary>
    public DateTimeOffset End { get; }

    public DateTimeOffset CheckoutStep { get; }

    public DateTimeOffset SearchRise { get; }

    public DateTimeOffset PaymentsStep { get; }

    public DateTimeOffset FrontendStep { get; }

    /// <summary>The two hours up to <see cref="End"/>; the incident window is its last 45 minutes (every change is in it).</summary>
    public ContextWindow Window { get; }

    internal PrometheusHistory Prometheus => _prometheus ?? throw new InvalidOperationException("Prometheus has not started.");

    public async Task InitializeAsync()
    {
        _prometheus = await PrometheusHistory.Start(
        [
            ServiceHistory.ErrorStep("checkout", CheckoutBefore, CheckoutAfter, CheckoutStep) with { LatencyP99 = HistoryLevel.Flat(CheckoutLatency, noise: 0.03) },
            ServiceHistory.SaturationRise("search", 0.4, 0.95, SearchRise, TimeSpan.FromMinutes(10)),
            ServiceHistory.ErrorStep("payments", 0.005, 0.25, PaymentsStep),
            ServiceHistory.ErrorStep("frontend", 0.005, 0.15, FrontendStep),
            ServiceHistory.Flat("flat") with { Saturation = HistoryLevel.Flat(0.5, noise: 0.03) },
        ],
        end: End);
    }

    public async Task DisposeAsync()
    {
        if (_prometheus is not null)
        {
            await _prometheus.DisposeAsync();
        }
    }
}
