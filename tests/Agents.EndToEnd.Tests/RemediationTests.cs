using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.Contracts.Remediation;
using Agents.Testing;
using Npgsql;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace Agents.EndToEnd.Tests;

/// <summary>
/// The system acting for real: services in <c>mode: auto</c> and <c>mode: approve</c> in a service catalog of their own,
/// whose Deployments live in a fake Kubernetes API server (the remediation service's real KubernetesClient talks to it),
/// and whose error ratio a real Prometheus scrapes from a live exporter: once a Deployment has been rolled back, its
/// service's error ratio falls (except <see cref="Stuck"/>'s), so verification sees the action work, or not.
/// </summary>
public sealed class RemediationFixture : SystemFixture, IAsyncLifetime
{
    public const string Namespace = "shop";
    public const string Auto = "pay-auto";
    public const string Stuck = "pay-stuck";
    public const string Approve = "pay-approve";
    public const string Duplicates = "pay-dup";
    public const string Killed = "pay-kill";
    public const string Switched = "pay-switch";
    public static readonly string[] Restarted = ["pay-restart-0", "pay-restart-1", "pay-restart-2"];

    /// <summary>Every service of the fixture's catalog, each a Deployment at v1.1.0 with ReplicaSets of v0.9.0, v1.0.0 and v1.1.0.</summary>
    public static readonly string[] Services = [Auto, Stuck, Approve, Duplicates, Killed, Switched, .. Restarted];

    public const double Failing = 0.2;
    public const double Healthy = 0.001;

    public RemediationFixture()
        : this(FakeKubernetesApi.Start().GetAwaiter().GetResult(), ScrapeTarget.Reserve())
    {
    }

    private RemediationFixture(FakeKubernetesApi kubernetes, ScrapeTarget exporter)
        : this(kubernetes, exporter, PrometheusServer.Start(new Uri("http://127.0.0.1:9/"), exporter.HostPort, job: "payments", interval: TimeSpan.FromSeconds(1))
            .GetAwaiter().GetResult())
    {
    }

    private RemediationFixture(FakeKubernetesApi kubernetes, ScrapeTarget exporter, PrometheusServer prometheus)
        : base(["scheduler", "orchestrator", "orchestrator", "triage", "context", "investigation", "remediation", "notification", "api"],
            new Dictionary<string, string>
            {
                ["Catalog__Path"] = WriteCatalog(),
                ["Orchestrator__WorkflowPath"] = PatientRemediation(),
                // The tests hold rollbacks at the API server while they kill and start services (two orchestrators can
                // take most of a minute to start on a loaded machine): a held request must not time out meanwhile.
                ["Remediation__Kubernetes__Timeout"] = "00:06:00",
                ["Remediation__Kubernetes__Url"] = kubernetes.Url.ToString(),
                ["Remediation__Kubernetes__Token"] = kubernetes.Token,
                ["Remediation__Prometheus__Url"] = prometheus.Address.ToString(),
            })
    {
        Kubernetes = kubernetes;
        Exporter = exporter;
        PrometheusServer = prometheus;
        foreach (var service in Services)
        {
            AddWorkload(kubernetes, service);
        }

        // The exporter answers each scrape from what the fake API server holds: a service whose Deployment was rolled back is healthy.
        exporter.Body = () => string.Concat(Services.Select(service => string.Create(CultureInfo.InvariantCulture,
            $"app_error_ratio{{service=\"{service}\"}} {(service != Stuck && kubernetes.Applied.Any(m => m.Name == service) ? Healthy : Failing)}\n")));
        exporter.StartServing().GetAwaiter().GetResult();
    }

    internal FakeKubernetesApi Kubernetes { get; }

    internal ScrapeTarget Exporter { get; }

    internal PrometheusServer PrometheusServer { get; }

    /// <summary>The ReplicaSet image of <paramref name="service"/> at <paramref name="version"/>.</summary>
    public static string Image(string service, string version) => $"registry.example/{service}:{version}";

    private static void AddWorkload(FakeKubernetesApi kubernetes, string service)
    {
        var labels = new Dictionary<string, string> { ["app"] = service };
        var uid = kubernetes.AddDeployment(Namespace, service, labels, Image(service, "v1.1.0"), revision: 3, currentReplicaSet: $"{service}-7c9d8e6f53");
        var created = DateTimeOffset.UtcNow.AddDays(-30);
        kubernetes.AddReplicaSet(Namespace, $"{service}-5b7c6d4e31", uid, service, labels, 1, Image(service, "v0.9.0"), created);
        kubernetes.AddReplicaSet(Namespace, $"{service}-6a8b7c5d42", uid, service, labels, 2, Image(service, "v1.0.0"), created.AddDays(10));
        kubernetes.AddReplicaSet(Namespace, $"{service}-7c9d8e6f53", uid, service, labels, 3, Image(service, "v1.1.0"), DateTimeOffset.UtcNow.AddMinutes(-9));
    }

    /// <summary>The catalog: every service matched by its <c>service</c> label, in Kubernetes, verified on its error ratio.</summary>
    private static string WriteCatalog()
    {
        var text = new StringBuilder("services:\n");
        foreach (var service in Services)
        {
            var mode = service == Approve ? "approve" : "auto";
            var within = service == Stuck ? "15s" : "90s";
            text.Append(CultureInfo.InvariantCulture, $"""
                  - name: {service}
                    match:
                      - labels: {"{"} service: {service} {"}"}
                    team: payments
                    kubernetes: {"{"} namespace: {Namespace}, workload: deployment/{service} {"}"}
                    remediation:
                      mode: {mode}
                      verify:
                        query: 'max(app_error_ratio{"{"}service="{service}"{"}"})'
                        below: 0.05
                        for: 4s
                        within: {within}
                        every: 2s

                """);
        }

        var path = Path.Combine(Path.GetTempPath(), $"agents-e2e-catalog-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    /// <summary>deploy/workflows.yaml with every remediation step waiting 8 minutes for its reply, in a file of its own.</summary>
    private static string PatientRemediation()
    {
        var yaml = File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "workflows.yaml"));
        var patient = System.Text.RegularExpressions.Regex.Replace(yaml, @"(?m)^(\s+remediation:\s*\n\s+timeout: )\d+[sm]\s*$", "${1}8m");
        if (patient == yaml)
        {
            throw new InvalidOperationException("deploy/workflows.yaml has no remediation step timeout to lengthen");
        }

        var path = Path.Combine(Path.GetTempPath(), $"agents-e2e-workflows-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, patient);
        return path;
    }

    Task IAsyncLifetime.InitializeAsync() => InitializeAsync();

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await PrometheusServer.DisposeAsync();
        await Exporter.DisposeAsync();
        await Kubernetes.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class RemediationCollection : ICollectionFixture<RemediationFixture>
{
    public const string Name = "remediation";
}

[Collection(RemediationCollection.Name)]
public sealed class RemediationTests(RemediationFixture system, ITestOutputHelper output)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>A fixture's first incident waits for every service's first connection and compilation; later ones take seconds.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task An_auto_rollback_runs_once_on_Kubernetes_after_a_server_side_dry_run_and_resolves_when_the_error_ratio_falls()
    {
        var incident = await Raise(RemediationFixture.Auto);
        var done = await system.WaitForIncident(incident, i => IncidentStatuses.Terminal.Contains(i.Summary.Status), "an end", Patience);

        Assert.True(done.Summary.Status == IncidentStatuses.Resolved, $"ended {done.Summary.Status}: {done.EscalationReason}");
        var remediation = done.Remediation!;
        Assert.Equal((RemediationExecutions.Executed, false, "v1.0.0"), (remediation.Execution, remediation.DryRun, remediation.Parameters["to_version"]));
        Assert.Equal(VerificationStatuses.Verified, done.Verification!.Status);
        Assert.Contains("below 0.05", done.Verification.Detail);
        Assert.Contains(done.Timeline, t => t.Event == "remediation verified");

        var patches = Mutations(RemediationFixture.Auto);
        var applied = Assert.Single(patches, m => !m.DryRun);
        Assert.Contains(RemediationFixture.Image(RemediationFixture.Auto, "v1.0.0"), applied.Body);
        Assert.Contains(patches, m => m.DryRun && m.Body == applied.Body);
        Assert.True(patches.IndexOf(patches.First(m => m.DryRun)) < patches.IndexOf(applied), "the server-side dry run came after the real patch");
        var ledger = await Ledger(done.Summary.IncidentId);
        Assert.Equal("succeeded", Assert.Single(ledger).Status);
    }

    [Fact]
    public async Task An_action_that_does_not_bring_the_error_ratio_down_escalates_as_ineffective_with_the_values_measured()
    {
        var incident = await Raise(RemediationFixture.Stuck);
        var done = await system.WaitForIncident(incident, i => IncidentStatuses.Terminal.Contains(i.Summary.Status), "an end", Patience);

        Assert.True(done.Summary.Status == IncidentStatuses.Escalated, $"ended {done.Summary.Status}");
        Assert.StartsWith("remediation ineffective:", done.EscalationReason);
        Assert.Contains("max 0.2", done.EscalationReason);
        Assert.Equal(VerificationStatuses.Ineffective, done.Verification!.Status);
        Assert.True(done.Verification.Checks >= 2, $"only {done.Verification.Checks} check(s) answered");
        Assert.Single(Mutations(RemediationFixture.Stuck), m => !m.DryRun);
    }

    [Fact]
    public async Task In_approve_mode_a_human_approves_the_exact_plan_with_a_changed_version_and_only_then_it_runs()
    {
        await system.PublishDeploy(RemediationFixture.Approve, "v1.0.0", "v0.9.0", DateTimeOffset.UtcNow.AddMinutes(-60));
        var incident = await Raise(RemediationFixture.Approve);
        var waiting = await system.WaitForIncident(incident, i => i.Summary.Status == IncidentStatuses.AwaitingApproval, "AwaitingApproval", Patience);
        var plan = waiting.Approval!.Plan!;
        Assert.Equal(("rollback", "v1.0.0"), (plan.ActionId, plan.Parameters["to_version"]));
        Assert.Contains("deployment/pay-approve", plan.Target);
        Assert.Equal(64, plan.Hash.Length);
        Assert.Contains("v0.9.0", Assert.Single(plan.Choices, c => c.Name == "to_version").Values);
        Assert.Empty(Mutations(RemediationFixture.Approve));
        var id = waiting.Summary.IncidentId;

        var outside = await system.ApiAs("operator").PostAsJsonAsync($"incidents/{id}/approval",
            new { decision = "approve", parameters = new Dictionary<string, string> { ["to_version"] = "v7.7.7" } });
        Assert.Equal(HttpStatusCode.Conflict, outside.StatusCode);
        Assert.Contains("is not one of", await outside.Content.ReadAsStringAsync());
        var stale = await system.ApiAs("operator").PostAsJsonAsync($"incidents/{id}/approval", new { decision = "approve", requestHash = new string('0', 64) });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        var viewer = await system.ApiAs("viewer").PostAsJsonAsync($"incidents/{id}/approval", new { decision = "approve" });
        Assert.Equal(HttpStatusCode.Forbidden, viewer.StatusCode);
        Assert.Empty(Mutations(RemediationFixture.Approve));

        var approved = await system.ApiAs("operator").PostAsJsonAsync($"incidents/{id}/approval", new
        {
            decision = "approve",
            note = "v1.0.0 had the same bug; go to v0.9.0",
            parameters = new Dictionary<string, string> { ["to_version"] = "v0.9.0" },
            requestHash = plan.Hash,
        });
        Assert.Equal(HttpStatusCode.Accepted, approved.StatusCode);

        var done = await system.WaitForIncident(incident, i => IncidentStatuses.Terminal.Contains(i.Summary.Status), "an end", Patience);
        Assert.True(done.Summary.Status == IncidentStatuses.Resolved, $"ended {done.Summary.Status}: {done.EscalationReason}");
        Assert.Equal(RemediationApprovalStatuses.Approved, done.Approval!.Status);
        Assert.Equal(["to_version: v1.0.0 → v0.9.0"], done.Approval.Changes);
        Assert.Equal("apikey:e2e-operator", done.Approval.DecidedBy);
        // The request itself never changed: the same hash, the proposed version; the change is recorded beside it.
        Assert.Equal((plan.Hash, "v1.0.0"), (done.Approval.Plan!.Hash, done.Approval.Plan.Parameters["to_version"]));
        Assert.Equal("v0.9.0", done.Remediation!.Parameters["to_version"]);
        var applied = Assert.Single(Mutations(RemediationFixture.Approve), m => !m.DryRun);
        Assert.Contains(RemediationFixture.Image(RemediationFixture.Approve, "v0.9.0"), applied.Body);
    }

    [Fact]
    public async Task Twenty_copies_of_one_remediation_command_act_once_and_each_reports_the_recorded_outcome()
    {
        system.Kubernetes.HoldPatches(RemediationFixture.Duplicates);
        try
        {
            var incident = await Raise(RemediationFixture.Duplicates);
            await system.WaitUntil(() => Task.FromResult(system.Kubernetes.Held(RemediationFixture.Duplicates) == 1), "the rollback to reach the API server", Patience);
            var remediating = await system.WaitForIncident(incident, i => i.Summary.Status == IncidentStatuses.Remediating, "Remediating", Patience);
            var attempt = remediating.Timeline.Last(t => t.Step == IncidentSteps.Remediation && t.Event == "dispatched").Attempt;
            for (var copy = 0; copy < 19; copy++)
            {
                await SendRemediation(remediating, attempt);
            }

            system.Kubernetes.ReleasePatches(RemediationFixture.Duplicates);
            var done = await system.WaitForIncident(incident, i => IncidentStatuses.Terminal.Contains(i.Summary.Status), "an end", Patience);
            Assert.True(done.Summary.Status == IncidentStatuses.Resolved, $"ended {done.Summary.Status}: {done.EscalationReason}");
            var answered = await system.WaitForIncident(incident,
                i => i.Timeline.Count(t => t.Step == IncidentSteps.Remediation && t.Event == "late reply ignored" && t.Attempt == attempt) == 19,
                "the 19 copies' answers", TimeSpan.FromSeconds(60));
            output.WriteLine($"20 commands for attempt {attempt}: {Mutations(RemediationFixture.Duplicates).Count(m => !m.DryRun)} execution(s), "
                + $"{answered.Timeline.Count(t => t.Event == "late reply ignored")} copies answered and ignored");
            Assert.Single(Mutations(RemediationFixture.Duplicates), m => !m.DryRun);
            Assert.Single(await Ledger(done.Summary.IncidentId));
        }
        finally
        {
            system.Kubernetes.ReleasePatches(RemediationFixture.Duplicates);
        }
    }

    [Fact]
    public async Task A_remediation_agent_killed_in_the_middle_of_an_action_never_acts_again_on_redelivery_and_the_incident_escalates()
    {
        system.Kubernetes.HoldPatches(RemediationFixture.Killed);
        try
        {
            var incident = await Raise(RemediationFixture.Killed);
            await system.WaitUntil(() => Task.FromResult(system.Kubernetes.Held(RemediationFixture.Killed) == 1), "the rollback to reach the API server", Patience);
            await system.Kill("remediation");
            await system.Start("remediation");

            var done = await system.WaitForIncident(incident, i => IncidentStatuses.Terminal.Contains(i.Summary.Status), "an end", Patience);
            output.WriteLine($"after the kill: {done.Summary.Status}: {done.EscalationReason}");
            Assert.Equal(IncidentStatuses.Escalated, done.Summary.Status);
            Assert.Contains("outcome unknown", done.EscalationReason);
            Assert.Single(Mutations(RemediationFixture.Killed), m => !m.DryRun);
            var row = Assert.Single(await Ledger(done.Summary.IncidentId));
            Assert.Equal("claimed", row.Status);
        }
        finally
        {
            system.Kubernetes.ReleasePatches(RemediationFixture.Killed);
        }
    }

    [Fact]
    public async Task Both_orchestrators_restarted_while_incidents_are_remediating_resume_them_and_each_action_runs_once()
    {
        foreach (var service in RemediationFixture.Restarted)
        {
            system.Kubernetes.HoldPatches(service);
        }

        try
        {
            var incidents = new List<string>();
            foreach (var service in RemediationFixture.Restarted)
            {
                incidents.Add(await Raise(service));
            }

            await system.WaitUntil(() => Task.FromResult(RemediationFixture.Restarted.All(s => system.Kubernetes.Held(s) == 1)),
                "every rollback to reach the API server", Patience);
            var held = System.Diagnostics.Stopwatch.StartNew();
            await system.Kill("orchestrator");
            await system.Start("orchestrator", 2);
            // The new orchestrators send every awaited command again: the copies find the claims and wait for them.
            await system.WaitUntil(async () => (await Ledger()).Count(r => r.Status == "claimed") >= RemediationFixture.Restarted.Length,
                "the claims to stand", TimeSpan.FromSeconds(30));
            foreach (var service in RemediationFixture.Restarted)
            {
                system.Kubernetes.ReleasePatches(service);
            }

            output.WriteLine($"the rollbacks were held at the API server for {held.Elapsed.TotalSeconds:0.0} s while both orchestrators restarted");
            foreach (var (fingerprint, service) in incidents.Zip(RemediationFixture.Restarted))
            {
                var done = await system.WaitForIncident(fingerprint, i => IncidentStatuses.Terminal.Contains(i.Summary.Status), "an end", Patience);
                Assert.True(done.Summary.Status == IncidentStatuses.Resolved, $"{service} ended {done.Summary.Status}: {done.EscalationReason}");
                Assert.Single(Mutations(service), m => !m.DryRun);
                Assert.Single(await Ledger(done.Summary.IncidentId));
            }
        }
        finally
        {
            foreach (var service in RemediationFixture.Restarted)
            {
                system.Kubernetes.ReleasePatches(service);
            }
        }
    }

    [Fact]
    public async Task The_kill_switch_stops_every_action_and_the_incident_says_a_human_must_act()
    {
        var engage = await system.ApiAs("operator").PostAsJsonAsync("remediation/kill-switch/engage", new { reason = "e2e: deploy tooling under maintenance" });
        Assert.Equal(HttpStatusCode.OK, engage.StatusCode);
        try
        {
            var state = await system.ApiAs("viewer").GetFromJsonAsync<JsonElement>("remediation/kill-switch");
            Assert.True(state.GetProperty("engaged").GetBoolean());
            var incident = await Raise(RemediationFixture.Switched);
            var done = await system.WaitForIncident(incident, i => IncidentStatuses.Terminal.Contains(i.Summary.Status), "an end", Patience);

            Assert.Equal(IncidentStatuses.Escalated, done.Summary.Status);
            Assert.StartsWith("human action required:", done.EscalationReason);
            Assert.Contains("kill switch", done.EscalationReason);
            Assert.Equal(RemediationExecutions.Blocked, done.Remediation!.Execution);
            Assert.Empty(Mutations(RemediationFixture.Switched));
            Assert.Equal(HttpStatusCode.Forbidden,
                (await system.ApiAs("operator").PostAsJsonAsync("remediation/kill-switch/release", new { reason = "done" })).StatusCode);
        }
        finally
        {
            var release = await system.ApiAs("admin").PostAsJsonAsync("remediation/kill-switch/release", new { reason = "e2e done" });
            Assert.Equal(HttpStatusCode.OK, release.StatusCode);
        }
    }

    /// <summary>Publishes a deploy of v1.1.0 nine minutes ago and a critical alert for <paramref name="service"/>; answers its fingerprint.</summary>
    private async Task<string> Raise(string service)
    {
        var fingerprint = Guid.NewGuid().ToString("N")[..16];
        await system.PublishDeploy(service, "v1.1.0", "v1.0.0", DateTimeOffset.UtcNow.AddMinutes(-9));
        await system.PublishRaw(AgentQueues.AlertsExchange,
            IncidentFlowTests.Alertmanager(service, fingerprint, "critical", DateTimeOffset.UtcNow.AddMinutes(-1)), "prometheus.critical");
        return fingerprint;
    }

    private List<FakeKubernetesApi.Mutation> Mutations(string deployment) =>
        system.Kubernetes.Mutations.Where(m => m.Resource == "deployments" && m.Name == deployment).ToList();

    /// <summary>Sends a copy of the incident's remediation command for <paramref name="attempt"/>, as MassTransit would (its envelope).</summary>
    private async Task SendRemediation(IncidentDetails incident, int attempt)
    {
        var command = new RemediateIncident
        {
            IncidentId = incident.Summary.IncidentId,
            Attempt = attempt,
            Service = incident.Triage!.Service,
            Hypothesis = incident.Hypothesis!,
            Context = incident.Context!,
            Fingerprint = incident.Summary.Fingerprint,
            NotAfter = DateTimeOffset.UtcNow.AddMinutes(2),
        };
        var envelope = JsonSerializer.Serialize(new
        {
            messageId = Guid.NewGuid(),
            messageType = new[] { "urn:message:Agents.Contracts.Remediation:RemediateIncident", "urn:message:Agents.Contracts:IStepCommand" },
            message = command,
            sentTime = DateTimeOffset.UtcNow,
        }, Json);
        await using var channel = await system.Broker.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.BasicPublishAsync(AgentQueues.Remediation, "", mandatory: false,
            new BasicProperties { Persistent = true, ContentType = "application/vnd.masstransit+json" }, Encoding.UTF8.GetBytes(envelope));
    }

    private sealed record LedgerRow(Guid IncidentId, int Attempt, int Step, string Status);

    /// <summary>The execution ledger's rows, of one incident or of all.</summary>
    private async Task<List<LedgerRow>> Ledger(Guid? incidentId = null)
    {
        await using var connection = new NpgsqlConnection(system.DatabaseConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT incident_id, attempt, action_step, status FROM remediation.executions WHERE $1::uuid IS NULL OR incident_id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)incidentId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<LedgerRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new LedgerRow(reader.GetGuid(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetString(3)));
        }

        return rows;
    }
}
