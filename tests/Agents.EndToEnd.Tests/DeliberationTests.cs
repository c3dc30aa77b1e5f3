using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Agents.Contracts;
using Agents.Contracts.Claims;
using Agents.Contracts.Deliberation;
using Agents.Contracts.Incidents;
using Agents.Contracts.Notification;
using Xunit.Abstractions;

namespace Agents.EndToEnd.Tests;

/// <summary>
/// The system with the deliberation participants: the claim agents (policy, coding, medical) and the reviewers of the
/// incident approval gate (safety, change-policy, blast-radius), and a workflow file that switches the gate on.
/// <see cref="FrozenService"/> is under a change freeze and critical, with a critical-service confidence bar above what
/// the investigation's rules ever give.
/// </summary>
public sealed class DeliberationFixture() : SystemFixture(
    ["scheduler", "orchestrator", "triage", "context", "investigation", "remediation", "notification", "api", "policy", "coding", "medical", "reviewers"],
    new Dictionary<string, string>
    {
        ["Orchestrator__WorkflowPath"] = WorkflowWithApproval(),
        ["Reviewers__FrozenServices__0"] = FrozenService,
        ["Reviewers__CriticalServices__0"] = FrozenService,
        ["Reviewers__CriticalMinimumConfidence"] = "0.95",
        ["Reviewers__CriticalConfidence"] = "0.99",
    })
{
    public const string FrozenService = "ledger-frozen";

    /// <summary>deploy/workflows.yaml with <c>approval: incident-approval</c> on the incident workflow, in a file of its own.</summary>
    private static string WorkflowWithApproval()
    {
        var yaml = File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "workflows.yaml"));
        const string workflow = "  incident-response:\n";
        Assert.Contains(workflow, yaml, StringComparison.Ordinal);
        var path = Path.Combine(Path.GetTempPath(), $"agents-e2e-workflows-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml.Replace(workflow, workflow + "    approval: incident-approval\n", StringComparison.Ordinal));
        return path;
    }
}

[CollectionDefinition(Name)]
public sealed class DeliberationCollection : ICollectionFixture<DeliberationFixture>
{
    public const string Name = "deliberation";
}

[Collection(DeliberationCollection.Name)]
public sealed class ClaimAdjudicationTests(DeliberationFixture system, ITestOutputHelper output)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>One line of <c>deploy/samples/claims/expected.json</c>.</summary>
    public sealed record ExpectedClaim(string File, string ClaimId, string Outcome, string? Decision, int Round);

    [Fact]
    public async Task Every_sample_claim_is_adjudicated_with_its_expected_decision_in_its_expected_round()
    {
        var samples = Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "samples", "claims");
        var expected = JsonSerializer.Deserialize<List<ExpectedClaim>>(File.ReadAllText(Path.Combine(samples, "expected.json")), Json)!;
        Assert.True(expected.Count >= 4, "expected.json lists too few claims");
        Assert.Contains(expected, e => e is { Outcome: DeliberationOutcomes.Decided, Round: 1 });
        Assert.Contains(expected, e => e is { Outcome: DeliberationOutcomes.Decided, Round: > 1 });
        Assert.Contains(expected, e => e.Outcome == DeliberationOutcomes.NoConsensus);

        // Half arrive on the claims exchange as a producer publishes them, half through POST /claims.
        for (var i = 0; i < expected.Count; i++)
        {
            var body = await File.ReadAllTextAsync(Path.Combine(samples, expected[i].File));
            if (i % 2 == 0)
            {
                await system.PublishRaw(AgentQueues.ClaimsExchange, body, "claims.e2e");
            }
            else
            {
                using var posted = await system.Api.PostAsync("claims", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
                Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
                Assert.Equal($"/claims/{expected[i].ClaimId}", posted.Headers.Location?.OriginalString);
            }
        }

        foreach (var claim in expected)
        {
            var view = await WaitForClaim(claim.ClaimId, v => v.Status != "Deliberating", "the end of its deliberation", TimeSpan.FromSeconds(90));
            output.WriteLine($"{claim.ClaimId} ({claim.File}): {view.Status} {view.Decision ?? "-"} in round {view.Round} (confidence {view.Confidence:0.00})");
            foreach (var round in view.Rounds)
            {
                output.WriteLine($"  round {round.Round}: {string.Join("; ", round.Stances.Select(s => $"{s.Participant} {s.Decision ?? "silent"} ({s.Reason})"))}");
            }

            var what = $"{claim.ClaimId}: {Describe(view)}";
            Assert.True(claim.Outcome == DeliberationOutcomes.Decided ? view.Status == "Decided" : view.Status == "Escalated", what);
            Assert.True(claim.Decision == view.Decision, what);
            Assert.True(claim.Round == view.Round, what);
            Assert.Equal(claim.Round, view.Rounds.Count);
            Assert.Equal(claim.ClaimId, view.Claim.GetProperty("claimId").GetString());
            Assert.All(view.Rounds, r => Assert.Equal(Participants.ClaimAdjudication, r.Stances.Select(s => s.Participant)));
            Assert.All(view.Rounds.SelectMany(r => r.Stances), s => Assert.False(s.Silent, $"{claim.ClaimId}: {s.Participant} was silent: {s.Note}"));
            if (claim.Outcome == DeliberationOutcomes.Decided)
            {
                var final = view.Rounds[^1].Stances;
                Assert.True(final.Count(s => s.Decision == claim.Decision) >= view.Threshold, what);
            }
            else
            {
                Assert.Equal(view.MaxRounds, view.Round);
                Assert.False(string.IsNullOrEmpty(view.Reason), what);
            }

            if (claim.Round > 1 && claim.Outcome == DeliberationOutcomes.Decided)
            {
                // Someone changed their mind on the others' reasons: a stance of the first round differs from the last.
                var first = view.Rounds[0].Stances.ToDictionary(s => s.Participant, s => s.Decision);
                Assert.Contains(view.Rounds[^1].Stances, s => first[s.Participant] != s.Decision);
            }
        }

        // One claim's adjudication is one trace: the orchestrator's saga spans and every participant's answer, tagged with it.
        var traced = expected.First(e => e is { Outcome: DeliberationOutcomes.Decided, Round: > 1 });
        var id = ClaimAdjudication.DeliberationId(traced.ClaimId).ToString();
        var spans = (await system.Telemetry.WaitFor(
            all => all.Count(s => s.Tag("deliberation.id") == id && s.Name.StartsWith("participant ", StringComparison.Ordinal)) == 3 * traced.Round
                && all.Any(s => s.Tag("deliberation.id") == id && s.Tag("deliberation.state") == "Decided"),
            TimeSpan.FromSeconds(45))).Where(s => s.Tag("deliberation.id") == id).ToList();
        Assert.Equal(
            Participants.ClaimAdjudication.SelectMany(p => Enumerable.Range(1, traced.Round).Select(r => $"{p}/{r}")).Order(StringComparer.Ordinal),
            spans.Where(s => s.Name.StartsWith("participant ", StringComparison.Ordinal))
                .Select(s => $"{s.ServiceName}/{s.Tag("deliberation.round")}").Order(StringComparer.Ordinal));
        Assert.Contains(spans, s => s.ServiceName == "orchestrator" && s.Tag("deliberation.kind") == ClaimAdjudication.Kind);
        Assert.Single(spans.Select(s => s.TraceId).Distinct());

        // What waits for a human: the escalated claims, and only claims.
        var escalated = await system.Api.GetFromJsonAsync<List<JsonElement>>("claims?status=Escalated", Json);
        Assert.Equal(
            expected.Where(e => e.Outcome == DeliberationOutcomes.NoConsensus).Select(e => e.ClaimId).Order(StringComparer.Ordinal),
            escalated!.Select(c => c.GetProperty("claimId").GetString()!).Order(StringComparer.Ordinal));
        var claims = await system.Api.GetFromJsonAsync<List<JsonElement>>("deliberations?kind=claim-adjudication&limit=500", Json);
        Assert.Equal(expected.Count, claims!.Count);
        Assert.All(claims, c => Assert.Equal(ClaimAdjudication.Kind, c.GetProperty("kind").GetString()));
        using var badStatus = await system.Api.GetAsync("claims?status=Pending");
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
    }

    [Fact]
    public async Task A_claim_that_cannot_be_read_lands_in_the_intake_error_queue_and_a_bad_post_is_answered_400_with_every_problem()
    {
        var marker = $"CLM-{Guid.NewGuid():N}";
        var unreadable = JsonSerializer.Serialize(new { claimId = marker, plan = "gold", amount = "a lot" });

        await system.PublishRaw(AgentQueues.ClaimsExchange, unreadable);
        var (faulted, reason) = await system.WaitForErrorQueueMessage($"{AgentQueues.ClaimIntake}_error", marker);

        Assert.Equal(unreadable, faulted);
        Assert.Contains($"claim {marker} refused: memberId is missing; procedureCode is missing; diagnosisCodes is missing; amount must be a number", reason, StringComparison.Ordinal);

        using var posted = await system.Api.PostAsync("claims", new StringContent(unreadable, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
        var problem = await posted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.StartsWith($"claim {marker} refused: memberId is missing", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var notJson = await system.Api.PostAsync("claims", new StringContent("{\"claimId\": ", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);

        // Neither reached a deliberation.
        using var missing = await system.Api.GetAsync($"claims/{marker}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var deliberation = await system.Api.GetAsync($"deliberations/{ClaimAdjudication.DeliberationId(marker)}");
        Assert.Equal(HttpStatusCode.NotFound, deliberation.StatusCode);
    }

    private async Task<ClaimView> WaitForClaim(string claimId, Func<ClaimView, bool> condition, string what, TimeSpan timeout)
    {
        ClaimView? last = null;
        await system.WaitUntil(async () =>
        {
            using var response = await system.Api.GetAsync($"claims/{claimId}");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return false;
            }

            last = await response.Content.ReadFromJsonAsync<ClaimView>(Json);
            return last is not null && condition(last);
        }, () => $"claim {claimId} to reach {what} (last seen: {(last is null ? "nothing" : Describe(last))})", timeout);
        return last!;
    }

    private static string Describe(ClaimView view) =>
        $"{view.Status} {view.Decision ?? "-"} round {view.Round}; "
        + string.Join(" | ", view.Rounds.Select(r => $"r{r.Round}: {string.Join(", ", r.Stances.Select(s => $"{s.Participant}={s.Decision ?? "silent"}"))}"));

    /// <summary>The part of <c>GET /claims/{id}</c> these tests read.</summary>
    public sealed record ClaimView
    {
        public required string ClaimId { get; init; }

        public required string Status { get; init; }

        public string? Decision { get; init; }

        public double? Confidence { get; init; }

        public required int Round { get; init; }

        public string? Reason { get; init; }

        public required JsonElement Claim { get; init; }

        public required int Threshold { get; init; }

        public required int MaxRounds { get; init; }

        public required IReadOnlyList<DeliberationRound> Rounds { get; init; }
    }
}

/// <summary>The incident workflow with the approval gate: remediation runs only on the reviewers' approval.</summary>
[Collection(DeliberationCollection.Name)]
public sealed class ApprovalGateTests(DeliberationFixture system, ITestOutputHelper output)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task A_regression_the_reviewers_approve_is_remediated_in_the_services_mode()
    {
        var service = $"orders-{Guid.NewGuid():N}"[..18];
        var incident = await RaiseAfterDeploy(service, "critical");

        // Approved by the reviewers, then run in the service's mode: the default dry-run hands it to a human.
        SystemFixture.AssertHandedOverAfterDryRun(incident);
        var approval = Assert.IsType<RemediationApprovalRecord>(incident.Approval);
        Assert.Equal((RemediationApprovalStatuses.Approved, RemediationApproval.Approve, 1), (approval.Status, approval.Decision, approval.Round));
        Assert.Equal(Participants.IncidentApproval, approval.Stances.Select(s => s.Participant));
        Assert.All(approval.Stances, s => Assert.Equal(RemediationApproval.Approve, s.Decision));
        Assert.Equal("rollback", incident.Remediation?.ActionId);

        // The gate sits between investigation and remediation.
        var requested = incident.Timeline.Single(t => t.Event == "approval requested");
        var approved = incident.Timeline.Single(t => t.Event == "remediation approved");
        var dispatched = incident.Timeline.Single(t => t.Step == IncidentSteps.Remediation && t.Event == "dispatched");
        Assert.True(incident.Timeline.Single(t => t.Segment == "hypothesis").At <= requested.At && requested.At <= approved.At && approved.At <= dispatched.At,
            string.Join(Environment.NewLine, incident.Timeline.Select(t => $"{t.At:O} {t.Step} {t.Event}")));

        var deliberation = await system.Api.GetFromJsonAsync<DeliberationDetails>($"deliberations/{approval.DeliberationId}", Json);
        Assert.Equal(("Decided", RemediationApproval.Kind, RemediationApproval.Approve), (deliberation!.Status, deliberation.Kind, deliberation.Decision));
        Assert.Equal(service, deliberation.Subject.GetProperty("service").GetString());
        Assert.Equal(incident.Summary.IncidentId, deliberation.Subject.GetProperty("incidentId").GetGuid());
        output.WriteLine($"approved: {approved.Detail}");
    }

    [Fact]
    public async Task A_remediation_of_a_frozen_critical_service_the_reviewers_deny_is_escalated_without_an_action()
    {
        var incident = await RaiseAfterDeploy(DeliberationFixture.FrozenService, "high");

        Assert.True(incident.Summary.Status == IncidentStatuses.Escalated, $"ended {incident.Summary.Status}");
        var approval = Assert.IsType<RemediationApprovalRecord>(incident.Approval);
        Assert.Equal((RemediationApprovalStatuses.Denied, RemediationApproval.Deny, 1), (approval.Status, approval.Decision, approval.Round));
        var stances = approval.Stances.ToDictionary(s => s.Participant, s => s.Decision);
        Assert.Equal(RemediationApproval.Deny, stances[Participants.ChangePolicy]);
        Assert.Equal(RemediationApproval.Deny, stances[Participants.BlastRadius]);
        Assert.StartsWith("remediation not approved: deny by 2 of 3 in round 1", incident.EscalationReason, StringComparison.Ordinal);
        Assert.Contains(Participants.ChangePolicy, incident.EscalationReason, StringComparison.Ordinal);

        // Nothing was executed: remediation was never asked, and a human was paged instead.
        Assert.Null(incident.Remediation);
        Assert.DoesNotContain(incident.Timeline, t => t.Step == IncidentSteps.Remediation);
        Assert.Equal(NotificationKinds.Escalation, Assert.Single(incident.Notifications).Kind);
        output.WriteLine($"escalated: {incident.EscalationReason}");
    }

    /// <summary>A deploy of <paramref name="service"/>, then an error-rate alert of <paramref name="severity"/>: a regression hypothesis.</summary>
    private async Task<IncidentDetails> RaiseAfterDeploy(string service, string severity)
    {
        var fingerprint = Guid.NewGuid().ToString("N")[..16];
        var alertTime = DateTimeOffset.UtcNow.AddMinutes(-1);
        await system.PublishDeploy(service, "v3.4.0", "v3.3.2", alertTime.AddMinutes(-6));
        await system.PublishRaw(AgentQueues.AlertsExchange, IncidentFlowTests.Alertmanager(service, fingerprint, severity, alertTime), $"prometheus.{severity}");
        var incident = await system.WaitForIncident(fingerprint, i => IncidentStatuses.Terminal.Contains(i.Summary.Status), "a terminal status", TimeSpan.FromSeconds(120));
        Assert.Equal("regression", incident.Hypothesis?.Category);
        return incident;
    }
}
