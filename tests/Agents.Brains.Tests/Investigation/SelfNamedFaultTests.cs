using Agents.Brains.Tests.Support;
using Agents.Context.Sources;
using Agents.Contracts.Context;
using Agents.Contracts.Investigation;
using Agents.Investigation.Brain;
using Microsoft.Extensions.Options;

namespace Agents.Brains.Tests.Investigation;

/// <summary>The investigation rules for faults that name themselves in the evidence: bad configuration, certificates, disks.</summary>
public sealed class SelfNamedFaultTests
{
    private static readonly RuleBasedInvestigationBrain Brain = new(Options.Create(new InvestigationOptions()));

    private static readonly ContextWindow Window =
        new(Samples.AlertTime.AddHours(-2), Samples.AlertTime.AddMinutes(5)) { IncidentStart = Samples.AlertTime.AddMinutes(-30) };

    [Fact]
    public void Configuration_errors_after_the_deploy_that_preceded_the_step_are_bad_config_naming_that_deploy()
    {
        var context = Context([Samples.Deploy("v7.4.2", 12, previous: "v7.4.1")], [Log("ERROR invalid configuration: unknown key 'retry.maxAttemps'", 10)], ErrorStep(10));

        var hypothesis = Brain.Investigate(Samples.Investigate(context));

        Assert.Equal(HypothesisCategories.BadConfig, hypothesis.Category);
        Assert.Equal(("v7.4.2", "v7.4.1"), (hypothesis.SuspectVersion, hypothesis.LastGoodVersion));
        Assert.StartsWith("Bad configuration shipped by deploy v7.4.2 of auth-service", hypothesis.Summary, StringComparison.Ordinal);
        Assert.Contains(hypothesis.Evidence, e => e.Kind == "log" && e.Description.Contains("invalid configuration", StringComparison.Ordinal));
        Assert.Contains(hypothesis.Evidence, e => e.Kind == "deploy");
    }

    [Fact]
    public void The_same_deploy_and_step_without_configuration_errors_stay_a_regression()
    {
        var context = Context([Samples.Deploy("v7.4.2", 12, previous: "v7.4.1")], [Log("ERROR NullReferenceException in CheckoutController", 10)], ErrorStep(10));

        Assert.Equal(HypothesisCategories.Regression, Brain.Investigate(Samples.Investigate(context)).Category);
    }

    [Fact]
    public void Configuration_errors_seen_before_the_deploy_do_not_make_that_deploy_a_bad_config()
    {
        // The errors started 40 minutes before the deploy: the deploy did not ship them.
        var context = Context([Samples.Deploy("v7.4.2", 12, previous: "v7.4.1")], [Log("ERROR missing required environment variable QUEUE_URL", 52)], ErrorStep(10));

        var hypothesis = Brain.Investigate(Samples.Investigate(context));

        Assert.Equal(HypothesisCategories.Regression, hypothesis.Category);
    }

    [Fact]
    public void Configuration_errors_with_no_deploy_are_bad_config_without_a_version()
    {
        var context = Context([], [Log("ERROR missing required environment variable QUEUE_URL", 8)], ErrorStep(8));

        var hypothesis = Brain.Investigate(Samples.Investigate(context));

        Assert.Equal(HypothesisCategories.BadConfig, hypothesis.Category);
        Assert.Null(hypothesis.SuspectVersion);
        Assert.Equal(0.6, hypothesis.Confidence);
    }

    [Fact]
    public void Certificate_errors_in_the_logs_are_a_certificate_fault_even_beside_a_deploy()
    {
        var context = Context([Samples.Deploy("v7.4.2", 12, previous: "v7.4.1")], [Log("Post https://partner.example: x509: certificate has expired or is not yet valid", 10)], ErrorStep(10));

        var hypothesis = Brain.Investigate(Samples.Investigate(context));

        Assert.Equal(HypothesisCategories.Certificate, hypothesis.Category);
        Assert.Null(hypothesis.SuspectVersion);
        Assert.Equal(0.8, hypothesis.Confidence);
        Assert.Equal("log", hypothesis.Evidence[0].Kind);
    }

    [Fact]
    public void A_certificate_expiry_alert_alone_is_a_certificate_fault_with_less_confidence()
    {
        var context = Samples.Context() with
        {
            AlertDetails = new Dictionary<string, string> { ["alertname"] = "SSLCertificateExpiringSoon" },
        };

        var hypothesis = Brain.Investigate(Samples.Investigate(context));

        Assert.Equal(HypothesisCategories.Certificate, hypothesis.Category);
        Assert.Equal(0.7, hypothesis.Confidence);
        Assert.Contains(hypothesis.Evidence, e => e.Kind == "alert" && e.Description.Contains("certificate expir", StringComparison.Ordinal));
    }

    [Fact]
    public void No_space_left_on_device_is_a_disk_fault_and_a_filling_file_system_alert_too()
    {
        var logged = Context([], [Log("could not extend file \"base/16384/2619\": No space left on device", 6)], ErrorStep(6));
        var alerted = Samples.Context() with { AlertDetails = new Dictionary<string, string> { ["alertname"] = "DiskWillFillIn4Hours" } };

        Assert.Equal(HypothesisCategories.Disk, Brain.Investigate(Samples.Investigate(logged)).Category);
        Assert.Equal(HypothesisCategories.Disk, Brain.Investigate(Samples.Investigate(alerted, errorType: "saturation")).Category);
    }

    [Fact]
    public void Words_inside_other_words_do_not_name_a_fault()
    {
        // "diskette" is not a disk, "reconfiguration" is not a configuration error.
        var context = Context([], [Log("ERROR reconfiguration of diskette reader failed", 8)], ErrorStep(8));

        Assert.Equal(HypothesisCategories.Unknown, Brain.Investigate(Samples.Investigate(context)).Category);
    }

    [Fact]
    public void Every_new_category_is_one_the_contract_lists()
    {
        Assert.Contains(HypothesisCategories.BadConfig, HypothesisCategories.All);
        Assert.Contains(HypothesisCategories.Certificate, HypothesisCategories.All);
        Assert.Contains(HypothesisCategories.Disk, HypothesisCategories.All);
    }

    private static LogPattern Log(string line, int minutesBeforeAlert) => new()
    {
        Source = "loki",
        Query = "{app=\"auth-service\"} |~ \"(?i)error\"",
        From = Window.Start,
        To = Window.End,
        Pattern = line,
        Count = 40,
        FirstSeen = Samples.AlertTime.AddMinutes(-minutesBeforeAlert),
        LastSeen = Samples.AlertTime,
        Sample = line,
    };

    private static MetricSeries ErrorStep(int minutesBeforeAlert)
    {
        var step = Samples.AlertTime.AddMinutes(-minutesBeforeAlert);
        var points = new List<SeriesPoint>();
        var i = 0;
        for (var at = Window.Start; at <= Window.End; at = at.AddSeconds(30), i++)
        {
            points.Add(new SeriesPoint(at, (at >= step ? 0.2 : 0.005) * (1 + (0.1 * ((i % 3) - 1)))));
        }

        return SeriesAnalysis.Summarize(Samples.Service, MetricSignals.ErrorRatio, "prometheus", "error_ratio", "ratio", new Dictionary<string, string>(), points, Window, new ContextBounds());
    }

    private static IncidentContext Context(IReadOnlyList<DeployRecord> deploys, IReadOnlyList<LogPattern> logs, params MetricSeries[] series) => Samples.Context(deploys) with
    {
        WindowStart = Window.Start,
        WindowEnd = Window.End,
        IncidentWindowStart = Window.IncidentStart,
        Series = series,
        LogPatterns = logs,
        Profile = new ServiceProfile { Name = Samples.Service, FromDefaultEntry = false, Tier = "critical" },
    };
}
