using System.Diagnostics;
using System.Globalization;
using Agents.Brains.Tests.Participants;
using Agents.Brains.Tests.Support;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.Contracts.Notification;
using Agents.Contracts.Triage;
using Agents.Hosting.Catalog;
using Agents.Hosting.Llm;
using Agents.Hosting.Participants;
using Agents.Investigation.Brain;
using Agents.Notification.Brain;
using Agents.Policy;
using Agents.Remediation.Brain;
using Agents.Remediation.Runbooks;
using Agents.Triage.Brain;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

// deploy/local/smoke-llm.sh: one call of each model brain against the model the Llm__* settings name (the services'
// own settings, from the environment), through the same client, prompts and checks the services use. Prints, per
// brain, whether its answer was usable, the tokens and the time; exits 1 when any brain failed. Without Llm__Endpoint
// it calls nothing, prints why, and exits 0: CI has no model.
var settings = new LlmOptions();
new ConfigurationBuilder().AddEnvironmentVariables().Build().GetSection(LlmOptions.SectionName).Bind(settings);
if (settings.Endpoint is null)
{
    Console.WriteLine("smoke-llm: skipped: Llm__Endpoint is not set (with Llm__Deployment and Llm__ApiKey for Azure OpenAI, or Llm__Provider=openai and Llm__Model); no model was called");
    return 0;
}

if (!settings.IsConfigured)
{
    Console.Error.WriteLine("smoke-llm: Llm__Endpoint is set but not the rest: Azure needs Llm__Deployment and Llm__ApiKey; Llm__Provider=openai needs Llm__Model");
    return 2;
}

var chat = new StructuredChat(LlmClients.Create(settings), settings);
var target = settings.Provider == LlmOptions.OpenAIProvider
    ? $"{settings.Endpoint} model {settings.OpenAIModel}"
    : $"{settings.Endpoint} deployment {settings.Deployment} api-version {(string.IsNullOrWhiteSpace(settings.ApiVersion) ? LlmOptions.DefaultApiVersion : settings.ApiVersion)}";
Console.WriteLine($"smoke-llm: {settings.Provider} {target}, reasoning {settings.Reasoning}, temperature {settings.RequestTemperature?.ToString(CultureInfo.InvariantCulture) ?? "unset"}");

var runbooks = RunbookCatalog.Load(RepositoryRoot.File("deploy/runbooks.yaml"));
var escalation = new NotifyIncident
{
    IncidentId = Samples.IncidentId, Attempt = 1, Kind = NotificationKinds.Escalation,
    Reason = "investigation failed after 2 attempt(s): the model ran out of output tokens",
    Incident = new IncidentSnapshot
    {
        IncidentId = Samples.IncidentId, Status = IncidentStatuses.Escalated, Fingerprint = "a3f1c2d4e5b60718", AlertCount = 1,
        Alert = Samples.Alert(), Triage = Samples.Triage(), CreatedAt = Samples.AlertTime,
    },
};

var failures = 0;
await Run("triage", async ct => Report(await new LlmTriageBrain(chat, TimeProvider.System, ServiceCatalog.BuiltIn)
    .DecideAsync(new TriageIncident { IncidentId = Samples.IncidentId, Attempt = 1, Alert = Samples.Alert() }, ct)));
await Run("investigation", async ct => Report(await new LlmInvestigationBrain(chat).DecideAsync(Samples.Investigate(Samples.Context([Samples.Deploy("v7.4.2", 10, "v7.4.1")], [Samples.Metric("http_5xx_ratio", 0.23, anomalous: true)])), ct)));
await Run("remediation", async ct => Report(await new LlmRemediationPlanner(chat, runbooks).DecideAsync(Samples.Remediate(), ct)));
await Run("notification", async ct => Report(await new LlmNotificationWriter(new NotificationWriter(TimeProvider.System), chat,
    NullLogger<LlmNotificationWriter>.Instance).DecideAsync(escalation, ct)));
await Run("policy (claims)", async ct => Report(await new LlmParticipantBrain<PolicyParticipant>(chat)
    .DecideAsync(ClaimCases.Request(ClaimCases.Claim(), Agents.Contracts.Participants.Policy), ct)));

Console.WriteLine(failures == 0 ? "smoke-llm: every brain got a usable answer" : $"smoke-llm: {failures} brain(s) failed");
return failures == 0 ? 0 : 1;

async Task Run(string brain, Func<CancellationToken, Task<(bool Ok, string Detail, TokenUsage Tokens)>> call)
{
    using var timeout = new CancellationTokenSource(settings.Timeout * (settings.MaxRetries + 2));
    var clock = Stopwatch.StartNew();
    try
    {
        var (ok, detail, tokens) = await call(timeout.Token);
        failures += ok ? 0 : 1;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {brain,-16} {(ok ? "ok  " : "FAIL")} {clock.ElapsedMilliseconds,6} ms  {tokens.InputTokens,5} in {tokens.OutputTokens,5} out  {tokens.Prompt ?? "-"}  {detail}"));
    }
    catch (Exception e) when (e is not OutOfMemoryException)
    {
        failures++;
        var reason = LlmRefusal.Reason(e) ?? $"{e.GetType().Name}: {e.Message.Split('\n', 2)[0]}";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {brain,-16} FAIL {clock.ElapsedMilliseconds,6} ms  {reason}"));
    }
}

static (bool Ok, string Detail, TokenUsage Tokens) Report<T>(Agents.Hosting.Agents.AgentOutcome<T> outcome)
    where T : class =>
    // A success without tokens is no model answer: the notification writer fell back to its rules' text.
    outcome.Succeeded && outcome.Tokens.Total == 0
        ? (false, "no usable model answer (the rules' text was used; the service logs why)", outcome.Tokens)
        : (outcome.Succeeded, outcome.Succeeded ? Shorten(System.Text.Json.JsonSerializer.Serialize(outcome.Result)) : outcome.FailureReason!, outcome.Tokens);

static string Shorten(string text) => text.Length <= 160 ? text : string.Concat(text.AsSpan(0, 160), "…");
