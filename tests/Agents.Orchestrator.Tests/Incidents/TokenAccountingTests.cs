using Agents.Contracts;
using Agents.Contracts.Context;
using Agents.Contracts.Incidents;
using Agents.Contracts.Investigation;
using Agents.Contracts.Notification;
using Agents.Contracts.Remediation;
using Agents.Contracts.Triage;

namespace Agents.Orchestrator.Tests.Incidents;

/// <summary>The incident keeps every agent's tokens, and apart the ones orchestration caused (retries, late replies).</summary>
public sealed class TokenAccountingTests
{
    private static TokenUsage Tokens(long input, long output) => new() { InputTokens = input, OutputTokens = output };

    [Fact]
    public async Task A_reinvestigation_after_a_contradiction_is_the_orchestration_share()
    {
        await using var h = await SagaHarness.Start();
        var id = await h.RaiseAlert();
        await h.Publish(new IncidentTriaged { IncidentId = id, Attempt = 1, Result = Samples.Triage(), Tokens = Tokens(100, 20) });
        await h.InState(id, h.Machine.CollectingContext);
        await h.Publish(new IncidentContextCollected { IncidentId = id, Attempt = 1, Context = Samples.Context() });
        await h.InState(id, h.Machine.Investigating);
        await h.Publish(new IncidentInvestigated
        {
            IncidentId = id, Attempt = 1, Hypothesis = Samples.Hypothesis(errorsObserved: false), Tokens = Tokens(500, 80),
        });
        await h.WaitSent<InvestigateIncident>(m => m.IncidentId == id && m.Attempt == 2);
        await h.Publish(new IncidentInvestigated { IncidentId = id, Attempt = 2, Hypothesis = Samples.Hypothesis(), Tokens = Tokens(600, 90) });
        await h.InState(id, h.Machine.Remediating);
        await h.Publish(new IncidentRemediated { IncidentId = id, Attempt = 1, Result = Samples.Executed(), Tokens = Tokens(50, 10) });
        await h.VerifyByCheck(id, Samples.ErrorRatio.Every);
        await h.Publish(new IncidentNotified
        {
            IncidentId = id, Attempt = 1, Notification = Samples.Notification(NotificationKinds.Resolution), Tokens = Tokens(30, 40),
        });

        var tokens = (await h.InState(id, h.Machine.Resolved)).Tokens;
        Assert.Equal(Tokens(100, 20), tokens.ByAgent[IncidentSteps.Triage]);
        Assert.Equal(TokenUsage.None, tokens.ByAgent[IncidentSteps.Context]);
        Assert.Equal(Tokens(1100, 170), tokens.ByAgent[IncidentSteps.Investigation]);
        Assert.Equal(Tokens(50, 10), tokens.ByAgent[IncidentSteps.Remediation]);
        Assert.Equal(Tokens(30, 40), tokens.ByAgent[IncidentSteps.Notification]);
        Assert.Equal(Tokens(1280, 240), tokens.Total);
        Assert.Equal(Tokens(600, 90), tokens.Orchestration);
        Assert.Equal(690.0 / 1520, tokens.OrchestrationShare, 6);
    }

    [Fact]
    public async Task A_failed_attempt_counts_as_work_its_retry_and_a_late_reply_as_orchestration()
    {
        await using var h = await SagaHarness.Start();
        var id = await h.RaiseAlert();
        await h.Publish(new IncidentTriageFailed { IncidentId = id, Attempt = 1, Reason = "model refused", Tokens = Tokens(70, 5) });
        await h.WaitSent<TriageIncident>(m => m.IncidentId == id && m.Attempt == 2);
        await h.AdvancePastTimeout(id, IncidentSteps.Triage, 2, TimeSpan.FromSeconds(61));
        await h.WaitSent<NotifyIncident>(m => m.IncidentId == id && m.Kind == NotificationKinds.Escalation);

        // Attempt 2 answers after its timeout (the incident escalated): ignored, but its tokens were spent all the same.
        await h.Publish(new IncidentTriaged { IncidentId = id, Attempt = 2, Result = Samples.Triage(), Tokens = Tokens(80, 30) });
        await h.Consumed<IncidentTriaged>(m => m.IncidentId == id && m.Attempt == 2);

        var incident = await h.InState(id, h.Machine.Notifying);
        Assert.Equal(Tokens(150, 35), incident.Tokens.ByAgent[IncidentSteps.Triage]);
        Assert.Equal(Tokens(80, 30), incident.Tokens.Orchestration);
    }
}
