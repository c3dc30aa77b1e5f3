using Agents.Contracts.Remediation;
using Agents.Hosting.Catalog;
using Agents.Remediation.Verification;
using Agents.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static Agents.Testing.PrometheusHistory;

namespace Agents.Brains.Tests.Remediation;

/// <summary>
/// One real Prometheus over 2.5 hours of history ending a minute before the class started: <c>recovered</c>'s error ratio
/// fell from 20% to 0.5% 20 minutes before the end (the action worked), <c>stuck</c>'s stayed at 20% (it did not).
/// </summary>
public sealed class VerifierPrometheusFixture : IAsyncLifetime
{
    public VerifierPrometheusFixture()
    {
        var grid = (long)DefaultInterval.TotalSeconds;
        End = DateTimeOffset.FromUnixTimeSeconds((DateTimeOffset.UtcNow - DefaultEndBeforeNow).ToUnixTimeSeconds() / grid * grid);
        Recovery = End.AddMinutes(-20);
    }

    public DateTimeOffset End { get; }

    /// <summary>When <c>recovered</c>'s error ratio fell.</summary>
    public DateTimeOffset Recovery { get; }

    internal PrometheusHistory Prometheus { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Prometheus = await PrometheusHistory.Start(
        [
            ServiceHistory.ErrorStep("recovered", 0.2, 0.005, Recovery),
            new ServiceHistory { Service = "stuck", ErrorRatio = HistoryLevel.Flat(0.2, noise: 0.02) },
        ],
        end: End);

    public Task DisposeAsync() => Prometheus.DisposeAsync().AsTask();
}

public sealed class RemediationVerifierTests(VerifierPrometheusFixture history) : IClassFixture<VerifierPrometheusFixture>
{
    [Fact]
    public async Task An_error_ratio_back_under_the_threshold_for_the_whole_required_time_after_the_action_verifies()
    {
        var outcome = await Check("recovered", executedAt: history.Recovery.AddMinutes(-1), below: 0.05, holdFor: TimeSpan.FromMinutes(5));

        Assert.True(outcome.Verified, outcome.Detail);
        Assert.Matches(@"^max 0\.00\d+ over \d+ sample\(s\) since .*: below 0\.05 for 5m after the action$", outcome.Detail);
        Assert.InRange(outcome.Value!.Value, 0.001, 0.01);
    }

    [Fact]
    public async Task A_value_under_the_threshold_for_less_than_the_required_time_is_not_verified_yet()
    {
        // The action a minute and a half before the end: the history holds less than the 5 minutes asked for.
        var outcome = await Check("recovered", executedAt: history.End.AddSeconds(-60), below: 0.05, holdFor: TimeSpan.FromMinutes(5));

        Assert.False(outcome.Verified);
        Assert.Contains("below 0.05 so far, for 1.5m of the 5m required", outcome.Detail);
    }

    [Fact]
    public async Task An_error_ratio_that_stays_up_is_not_verified_and_the_measured_value_is_given()
    {
        var outcome = await Check("stuck", executedAt: history.End.AddMinutes(-15), below: 0.05, holdFor: TimeSpan.FromMinutes(5));

        Assert.False(outcome.Verified);
        Assert.Matches(@"^max 0\.2\d* over \d+ sample\(s\) since .*: not below 0\.05$", outcome.Detail);
        Assert.InRange(outcome.Value!.Value, 0.15, 0.3);
    }

    [Fact]
    public async Task Above_verifies_a_value_that_must_rise_and_the_values_before_the_action_do_not_count()
    {
        // stuck's ratio is above 0.1 throughout; recovered's was above only before the action.
        Assert.True((await Check("stuck", history.End.AddMinutes(-15), below: null, holdFor: TimeSpan.FromMinutes(5), above: 0.1)).Verified);
        var recovered = await Check("recovered", history.Recovery.AddMinutes(2), below: null, holdFor: TimeSpan.FromMinutes(5), above: 0.1);
        Assert.False(recovered.Verified);
        Assert.Contains("not above 0.1", recovered.Detail);
    }

    [Fact]
    public async Task No_data_an_unreachable_Prometheus_and_no_query_each_say_why_nothing_was_verified()
    {
        var none = await Check("never-seen", history.End.AddMinutes(-15), below: 0.05, holdFor: TimeSpan.FromMinutes(5));
        Assert.False(none.Verified);
        Assert.StartsWith("the verification query returned no data since ", none.Detail);

        var closed = new UriBuilder(history.Prometheus.Address) { Port = 9 }.Uri;
        var unreachable = await Check("recovered", history.Recovery, below: 0.05, holdFor: TimeSpan.FromMinutes(5), prometheus: closed);
        Assert.False(unreachable.Verified);
        Assert.StartsWith("the verification query failed: ", unreachable.Detail);

        var spec = new RemediationVerification { Query = null };
        var noQuery = await Verifier(history.Prometheus.Address).DecideAsync(Command(spec, history.Recovery), default);
        Assert.Equal("the service catalog names no verification query: only the source's resolved signal can verify", noQuery.Result!.Detail);

        var noUrl = await Verifier(null).DecideAsync(Command(Spec("recovered", 0.05, null, TimeSpan.FromMinutes(5)), history.Recovery), default);
        Assert.Equal("Remediation:Prometheus:Url is not set: the verification query cannot be evaluated", noUrl.Result!.Detail);
    }

    private async Task<VerificationOutcome> Check(
        string service, DateTimeOffset executedAt, double? below, TimeSpan holdFor, double? above = null, Uri? prometheus = null)
    {
        var outcome = await Verifier(prometheus ?? history.Prometheus.Address).DecideAsync(Command(Spec(service, below, above, holdFor), executedAt), default);
        Assert.True(outcome.Succeeded, outcome.FailureReason);
        return outcome.Result!;
    }

    private static RemediationVerification Spec(string service, double? below, double? above, TimeSpan holdFor) => new()
    {
        Query = ServiceCatalog.OpenTelemetryPrometheus.ErrorRatio!.Replace("$selector", $"service_name=\"{service}\"", StringComparison.Ordinal),
        Below = below,
        Above = above,
        For = holdFor,
    };

    private static CheckRemediation Command(RemediationVerification spec, DateTimeOffset executedAt) => new()
    {
        IncidentId = Guid.NewGuid(),
        Attempt = 1,
        Service = "recovered",
        Verification = spec,
        ExecutedAt = executedAt,
    };

    /// <summary>The verifier as of 30 seconds after the history's end (its last samples are still fresh to Prometheus).</summary>
    private RemediationVerifier Verifier(Uri? prometheus) => new(
        new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>(),
        Options.Create(new VerificationOptions { Url = prometheus }),
        new FixedClock(history.End.AddSeconds(30)));

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
