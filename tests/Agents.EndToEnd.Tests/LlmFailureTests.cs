using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.Contracts.Notification;
using Agents.Testing;
using Xunit.Abstractions;

namespace Agents.EndToEnd.Tests;

/// <summary>
/// A model that cannot be used fails the step that asked it, and the workflow's policy takes over. A refusal (a 4xx such
/// as 400 <c>content_filter</c>) fails the step at once, without retry. The model's answer
/// never arrives (a 500, or an answer slower than <c>Llm__Timeout</c>), the SDK throws (it does not retry:
/// <c>Llm__MaxRetries=0</c>), the agent's consumer throws, MassTransit redelivers the command five times and then
/// publishes <c>Fault&lt;TCommand&gt;</c>, which the orchestrator counts as a failed attempt: retried while attempts
/// remain, then escalated (a human is paged, the incident ends Escalated). Only this test's alert (its own service
/// name) is answered badly; requests about other alerts go to the responder that was there before.
/// </summary>
[Collection(LlmCollection.Name)]
public sealed class LlmFailureTests(LlmFixture system, ITestOutputHelper output)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Triage's attempts in deploy/workflows.yaml.</summary>
    private const int TriageAttempts = 2;

    /// <summary>
    /// Model calls per attempt of a step whose every call fails: the command's delivery and MassTransit's 5 redeliveries
    /// (UseMessageRetry in services/Agents.Hosting/MessagingExtensions.cs), one call each since the SDK does not retry.
    /// </summary>
    private const int CallsPerAttempt = 1 + 5;

    /// <summary>Remediation's step timeout in deploy/workflows.yaml: a failure reported before it is the agent's, not the orchestrator's.</summary>
    private static readonly TimeSpan RemediationStepTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_model_answering_500_faults_triage_on_both_attempts_and_the_incident_is_escalated_with_the_fault_as_reason()
    {
        var service = $"ledger-{Guid.NewGuid():N}"[..18];
        var clock = Stopwatch.StartNew();
        using var model = AnswerFor(service, agent => agent switch
        {
            "triage" => new(HttpStatusCode.InternalServerError, Error(500, "the model is having a bad day")),
            "notification" => Page(service),
            _ => null,
        });

        var incident = await RaiseAndWaitForTheEnd(service, TimeSpan.FromSeconds(90));

        var failures = Failures(incident, IncidentSteps.Triage);
        Assert.Equal([1, 2], failures.Select(f => f.Attempt));
        Assert.All(failures, f => Assert.StartsWith("the agent faulted: HTTP 500", f.Detail));
        var retry = Assert.Single(incident.Timeline, t => t.Step == IncidentSteps.Triage && t.Attempt == 2 && t.Event == "dispatched");
        Assert.Equal($"retry; previous attempt: {failures[0].Detail}", retry.Detail);
        AssertEscalated(incident, service, IncidentSteps.Triage, $"triage failed after {TriageAttempts} attempt(s): {failures[1].Detail}");
        Assert.Null(incident.Triage);

        // Every delivery of both attempts asked the model once; the second attempt's prompts carry the first one's fault.
        AssertAsked(service, new() { ["triage"] = TriageAttempts * CallsPerAttempt, ["notification"] = 1 });
        Assert.Equal(CallsPerAttempt, Calls(service, "triage")
            .Count(c => Data(c).Contains("<data name=\"previous-attempt-failure\">\"the agent faulted: HTTP 500", StringComparison.Ordinal)));

        // A fault reports no tokens: only the page's text was paid for.
        Assert.Equal(new[] { IncidentSteps.Notification }, incident.Tokens.ByAgent.Keys);
        output.WriteLine($"escalated after {clock.Elapsed.TotalSeconds:0.0} s; reason: {incident.EscalationReason}");
    }

    /// <summary>
    /// On remediation, whose single attempt (never retried blindly) waits 60 s: the 6 timed-out calls and MassTransit's
    /// back-off between them (about 20 s with a 2 s model timeout) end on the agent's fault long before the orchestrator's
    /// own timeout, so the chain is always the same. (On triage, two such attempts would take about 45 s of the test and
    /// each would finish only a few seconds inside its 30 s step timeout.)
    /// </summary>
    [Fact]
    public async Task A_model_slower_than_the_llm_timeout_times_out_every_remediation_call_and_the_incident_is_escalated_without_an_action()
    {
        var service = $"search-{Guid.NewGuid():N}"[..18];
        var alertTime = DateTimeOffset.UtcNow.AddMinutes(-1);
        await system.PublishDeploy(service, "v7.1.0", "v7.0.4", alertTime.AddMinutes(-5));
        var clock = Stopwatch.StartNew();
        using var model = AnswerFor(service, agent => agent switch
        {
            "triage" => Answer(new
            {
                severity = "critical", service, errorType = "error-rate", occurredAt = alertTime,
                summary = $"[critical] {service}: 5xx error rate is 23%", rationale = "5xx at 23%",
            }),
            "investigation" => Answer(new
            {
                category = "regression", summary = $"deploy v7.1.0 of {service} broke it", confidence = 0.9,
                evidence = new[] { new { kind = "deploy", description = $"deploy of {service} v7.1.0", observedAt = alertTime.AddMinutes(-5) } },
                suspectVersion = "v7.1.0", lastGoodVersion = "v7.0.4", errorsObserved = true,
            }),
            // A valid plan, but far later than the agent waits for one: the SDK gives up after Llm__Timeout.
            "remediation" => Answer(new
            {
                actionId = "rollback", parameters = new[] { new { name = "service", value = service }, new { name = "to_version", value = "v7.0.4" } },
                rationale = "too late to matter",
            }) with { Delay = LlmFixture.ModelTimeout * 10 },
            "notification" => Page(service),
            _ => null,
        });

        var incident = await RaiseAndWaitForTheEnd(service, TimeSpan.FromSeconds(90), alertTime);

        var failure = Assert.Single(Failures(incident, IncidentSteps.Remediation));
        Assert.Equal(1, failure.Attempt);
        Assert.StartsWith(string.Create(CultureInfo.InvariantCulture,
            $"the agent faulted: The operation was cancelled because it exceeded the configured timeout of {LlmFixture.ModelTimeout:g}."), failure.Detail);
        AssertEscalated(incident, service, IncidentSteps.Remediation, $"remediation failed (never retried blindly): {failure.Detail}");
        Assert.DoesNotContain(incident.Timeline, t => t.Step == IncidentSteps.Remediation && t.Attempt > 1);
        Assert.Null(incident.Remediation);
        Assert.Equal("v7.1.0", incident.Hypothesis?.SuspectVersion);

        // Every delivery waited out the model timeout, and the agent's fault came before the step's own timeout.
        var dispatched = incident.Timeline.Single(t => t.Step == IncidentSteps.Remediation && t.Event == "dispatched");
        var waited = failure.At - dispatched.At;
        Assert.True(waited >= LlmFixture.ModelTimeout * CallsPerAttempt && waited < RemediationStepTimeout,
            $"remediation failed after {waited.TotalSeconds:0.0} s");

        AssertAsked(service, new() { ["triage"] = 1, ["investigation"] = 1, ["remediation"] = CallsPerAttempt, ["notification"] = 1 });
        Assert.DoesNotContain(IncidentSteps.Remediation, incident.Tokens.ByAgent.Keys);
        output.WriteLine($"remediation failed after {waited.TotalSeconds:0.0} s, escalated after {clock.Elapsed.TotalSeconds:0.0} s; reason: {incident.EscalationReason}");
    }

    /// <summary>
    /// A refusal is not retried as if it could change: with every agent refused by 400 <c>content_filter</c>, triage fails
    /// each of its attempts at once with the provider's code (one model call per attempt, no transport retry, no
    /// redelivery), the incident is escalated within seconds, and the page goes out in the rules' words.
    /// </summary>
    [Fact]
    public async Task A_model_refusing_every_call_with_content_filter_escalates_at_once_and_pages_with_the_rules_text()
    {
        var service = $"basket-{Guid.NewGuid():N}"[..18];
        var clock = Stopwatch.StartNew();
        using var model = AnswerFor(service, _ => FakeAzureOpenAI.PromptFiltered);

        var incident = await RaiseAndWaitForTheEnd(service, TimeSpan.FromSeconds(60));

        var failures = Failures(incident, IncidentSteps.Triage);
        Assert.Equal([1, 2], failures.Select(f => f.Attempt));
        Assert.All(failures, f => Assert.StartsWith(
            "model refused the request: 400 content_filter: The response was filtered due to the prompt triggering Azure OpenAI's content management policy.", f.Detail));
        Assert.True(incident.Summary.Status == IncidentStatuses.Escalated, $"ended {incident.Summary.Status}: {incident.EscalationReason ?? incident.FailureReason}");
        Assert.Equal($"triage failed after {TriageAttempts} attempt(s): {failures[1].Detail}", incident.EscalationReason);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"escalated after {clock.Elapsed.TotalSeconds:0.0} s");

        // The page went out, in the rules' words: the model was asked and refused.
        var page = Assert.Single(incident.Notifications);
        Assert.Equal(NotificationKinds.Escalation, page.Kind);
        Assert.NotEqual(PageTitle(service), page.Title);
        Assert.Contains(service, page.Title, StringComparison.Ordinal);

        // One model call per step attempt: triage's two attempts and the page's one.
        AssertAsked(service, new() { ["triage"] = TriageAttempts, ["notification"] = 1 });
        Assert.Equal(0, incident.Tokens.Total.Total); // a refused request generates nothing: the provider reports no usage
        output.WriteLine($"escalated after {clock.Elapsed.TotalSeconds:0.0} s; reason: {incident.EscalationReason}; page: {page.Title}");
    }

    private async Task<IncidentDetails> RaiseAndWaitForTheEnd(string service, TimeSpan patience, DateTimeOffset? alertTime = null)
    {
        var fingerprint = Guid.NewGuid().ToString("N")[..16];
        await system.PublishRaw(AgentQueues.AlertsExchange,
            IncidentFlowTests.Alertmanager(service, fingerprint, "critical", alertTime ?? DateTimeOffset.UtcNow.AddMinutes(-1)), "prometheus.critical");
        return await system.WaitForIncident(fingerprint, i => IncidentStatuses.Terminal.Contains(i.Summary.Status), "a terminal status", patience);
    }

    private static List<TimelineEntry> Failures(IncidentDetails incident, string step) =>
        incident.Timeline.Where(t => t.Step == step && t.Event == "step failed").ToList();

    /// <summary>Ended Escalated by <paramref name="step"/>'s last failure, with the page sent in the model's words.</summary>
    private static void AssertEscalated(IncidentDetails incident, string service, string step, string reason)
    {
        Assert.True(incident.Summary.Status == IncidentStatuses.Escalated, $"ended {incident.Summary.Status}: {incident.EscalationReason ?? incident.FailureReason}");
        Assert.Equal(reason, incident.EscalationReason);
        Assert.Single(incident.Timeline, t => t.Step == step && t.Event == "escalated" && t.Detail == reason);
        var page = Assert.Single(incident.Notifications);
        Assert.Equal(NotificationKinds.Escalation, page.Kind);
        Assert.Equal(PageTitle(service), page.Title);
    }

    /// <summary>The model calls about <paramref name="service"/>'s alert, per agent: exactly <paramref name="expected"/>.</summary>
    private void AssertAsked(string service, Dictionary<string, int> expected)
    {
        var asked = system.Model.Requests.Where(r => Data(r).Contains(service, StringComparison.Ordinal))
            .GroupBy(Agent).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(expected, asked);
    }

    private List<FakeAzureOpenAI.Request> Calls(string service, string agent) =>
        system.Model.Requests.Where(r => Agent(r) == agent && Data(r).Contains(service, StringComparison.Ordinal)).ToList();

    /// <summary>
    /// Answers the requests about <paramref name="service"/>'s alert by the asking agent (a 400 for an agent
    /// <paramref name="answer"/> does not expect); every other request goes to the responder there was before, which
    /// comes back on dispose.
    /// </summary>
    private Restore AnswerFor(string service, Func<string, FakeAzureOpenAI.Reply?> answer)
    {
        var previous = system.Model.Responder;
        system.Model.Responder = request => Data(request).Contains(service, StringComparison.Ordinal)
            ? answer(Agent(request)) ?? new(HttpStatusCode.BadRequest, Error(400, $"this test expects no {Agent(request)} call about {service}"))
            : previous?.Invoke(request);
        return new Restore(() => system.Model.Responder = previous);
    }

    private static FakeAzureOpenAI.Reply Page(string service) => Answer(new
    {
        title = PageTitle(service), summary = "The incident could not be handled automatically: the model is unusable. Please look.",
    });

    private static string PageTitle(string service) => $"[escalation] {service}: the model is unusable";

    private static FakeAzureOpenAI.Reply Answer(object value) =>
        new(HttpStatusCode.OK, FakeAzureOpenAI.Completion(JsonSerializer.Serialize(value, Json), 200, 40));

    private static string Error(int status, string message) => new JsonObject
    {
        ["error"] = new JsonObject { ["code"] = status.ToString(CultureInfo.InvariantCulture), ["message"] = message },
    }.ToJsonString();

    /// <summary>The asking agent, from its prompt's first line ("You are the triage agent of ...").</summary>
    private static string Agent(FakeAzureOpenAI.Request request) => Prompt(request).Split(' ', 5)[3];

    private static string Prompt(FakeAzureOpenAI.Request request) => request.Body["messages"]![0]!["content"]!.GetValue<string>();

    private static string Data(FakeAzureOpenAI.Request request) => request.Body["messages"]![1]!["content"]!.GetValue<string>();

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}
