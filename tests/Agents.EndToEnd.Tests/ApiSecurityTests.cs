using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using Npgsql;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace Agents.EndToEnd.Tests;

/// <summary>
/// The API's identities against the real services: the role matrix over every endpoint the API publishes in its
/// OpenAPI document, API keys and OIDC tokens, redacted claims, per-identity rate limits, the hash-chained audit trail
/// (tampered with in the database), and a human acknowledging and resolving an escalated incident.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class ApiSecurityTests(SystemFixture system, ITestOutputHelper output)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private static readonly string[] Roles = ["viewer", "operator", "admin", "claims-reviewer"];

    /// <summary>Who may call what: the least role of every endpoint. Higher roles include the lower ones (admin ⊃ operator ⊃ viewer; claims-reviewer ⊃ viewer).</summary>
    private static readonly (string Method, string Path, string Role)[] Matrix =
    [
        ("GET", "/incidents", "viewer"),
        ("GET", "/incidents/{id}", "viewer"),
        ("GET", "/incidents/{id}/scenario", "viewer"),
        ("GET", "/incidents/{id}/segments/{segment}/history", "viewer"),
        ("POST", "/incidents/{id}/rerun", "operator"),
        ("POST", "/incidents/{id}/rollback", "operator"),
        ("POST", "/incidents/{id}/acknowledge", "operator"),
        ("POST", "/incidents/{id}/resolve", "operator"),
        ("POST", "/incidents/{id}/approval", "operator"),
        ("POST", "/claims", "operator"),
        ("GET", "/claims", "viewer"),
        ("GET", "/claims/{claimId}", "viewer"),
        ("GET", "/deliberations", "viewer"),
        ("GET", "/deliberations/{id}", "viewer"),
        ("GET", "/dead-letters", "viewer"),
        ("GET", "/dead-letters/{queue}", "admin"),
        ("GET", "/dead-letters/{queue}/{messageId}", "admin"),
        ("POST", "/dead-letters/{queue}/replay", "admin"),
        ("DELETE", "/dead-letters/{queue}", "admin"),
        ("GET", "/audit", "admin"),
        ("GET", "/audit/verify", "admin"),
        ("GET", "/remediation/kill-switch", "viewer"),
        ("POST", "/remediation/kill-switch/engage", "operator"),
        ("POST", "/remediation/kill-switch/release", "admin"),
    ];

    private static IReadOnlyList<string> Allowed(string role) => role switch
    {
        "viewer" => Roles,
        "operator" => ["operator", "admin"],
        _ => [role],
    };

    [Fact]
    public async Task Every_endpoint_answers_401_without_a_credential_403_to_a_role_below_its_own_and_2xx_to_its_role()
    {
        var operations = await PublishedOperations();
        var missing = operations.Where(o => !Matrix.Any(m => m.Method == o.Method && m.Path == o.Path)).ToList();
        Assert.True(missing.Count == 0, $"endpoints with no row in the role matrix: {string.Join(", ", missing)}");
        var unpublished = Matrix.Where(m => !operations.Contains((m.Method, m.Path))).ToList();
        Assert.True(unpublished.Count == 0, $"rows of the role matrix the API does not publish: {string.Join(", ", unpublished)}");

        var world = await Prepare();
        foreach (var (method, template, role) in Matrix)
        {
            var request = world.Requests[(method, template)];
            var what = $"{method} {template}";
            Assert.Equal(HttpStatusCode.Unauthorized, await Status(system.ApiAs(null), method, request));
            foreach (var other in Roles.Except(Allowed(role)))
            {
                var refused = await Status(system.ApiAs(other), method, request);
                Assert.True(refused == HttpStatusCode.Forbidden, $"{what} as {other}: {refused}, not 403");
            }

            await (request.Before?.Invoke() ?? Task.CompletedTask);
            using (var response = await Send(system.ApiAs(role), method, request))
            {
                Assert.True(request.Answer is { } answer ? response.StatusCode == answer : response.IsSuccessStatusCode,
                    $"{what} as {role}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }

            foreach (var higher in Allowed(role).Except([role]))
            {
                var status = await Status(system.ApiAs(higher), method, request);
                Assert.True(status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden), $"{what} as {higher}: {status}");
            }

            output.WriteLine($"{what}: anonymous 401, {string.Join(", ", Roles.Except(Allowed(role)).Select(r => $"{r} 403"))}, {role} 2xx");
        }

        // Every key works over X-Api-Key too, with its own role.
        foreach (var role in Roles)
        {
            using var byHeader = system.ApiWith(null);
            byHeader.DefaultRequestHeaders.Add("X-Api-Key", system.ApiKeys[role]);
            using var read = await byHeader.GetAsync("incidents");
            using var audit = await byHeader.GetAsync("audit");
            Assert.Equal((HttpStatusCode.OK, role == "admin" ? HttpStatusCode.OK : HttpStatusCode.Forbidden), (read.StatusCode, audit.StatusCode));
        }

        using var wrongKey = system.ApiWith("not-a-key-of-this-api-0123456789");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrongKey.GetAsync("incidents")).StatusCode);
        using var anonymousHealth = await system.ApiAs(null).GetAsync("health/ready");
        Assert.Equal(HttpStatusCode.OK, anonymousHealth.StatusCode);
        using var anonymousMetrics = await system.ApiAs(null).GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, anonymousMetrics.StatusCode);
    }

    [Fact]
    public async Task The_OpenAPI_document_lists_the_security_schemes_and_the_role_of_every_operation()
    {
        using var anonymous = await system.ApiAs(null).GetAsync("openapi/v1.json");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var document = await system.ApiAs("viewer").GetFromJsonAsync<JsonElement>("openapi/v1.json", Json);
        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("bearer", schemes.GetProperty("bearer").GetProperty("scheme").GetString());
        Assert.Equal("X-Api-Key", schemes.GetProperty("apiKey").GetProperty("name").GetString());
        foreach (var (method, path, role) in Matrix)
        {
            var operation = document.GetProperty("paths").GetProperty(path).GetProperty(method.ToLowerInvariant());
            Assert.Contains($"Requires the role {role}", operation.GetProperty("description").GetString(), StringComparison.Ordinal);
            Assert.Equal(2, operation.GetProperty("security").GetArrayLength());
        }
    }

    [Fact]
    public async Task OIDC_tokens_from_the_trusted_issuer_carry_their_roles_and_anything_else_is_refused()
    {
        var incident = await EndedIncident("critical", withDeploy: true);
        var id = incident.Summary.IncidentId;
        string Token(params string[] roles) => system.Oidc.Token(SystemFixture.ApiAudience, new Dictionary<string, object>
        {
            ["sub"] = "u-1001", ["preferred_username"] = "alice@example.com", ["roles"] = roles,
        });

        using (var viewer = system.ApiWith(Token("viewer")))
        {
            Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync($"incidents/{id}")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync($"incidents/{id}/rerun", new { fromStep = "notification" })).StatusCode);
        }

        using (var operatorClient = system.ApiWith(Token("viewer", "operator")))
        {
            using var rerun = await operatorClient.PostAsJsonAsync($"incidents/{id}/rerun", new { fromStep = "notification" });
            Assert.Equal(HttpStatusCode.Accepted, rerun.StatusCode);
        }

        var rerunEntry = (await system.WaitForIncident(incident.Summary.Fingerprint,
            i => i.Timeline.Any(t => t.Event == "re-run requested") && IncidentStatuses.Terminal.Contains(i.Summary.Status), "the re-run done", Patience))
            .Timeline.Single(t => t.Event == "re-run requested");
        Assert.Equal("oidc:alice@example.com", rerunEntry.Actor);
        var audited = (await Audit($"actor={Uri.EscapeDataString("oidc:alice@example.com")}&action=incident.rerun"))
            .Where(r => r.GetProperty("target").GetString() == $"id={id}").ToList();
        Assert.Equal(["forbidden", "succeeded"], audited.Select(r => r.GetProperty("outcome").GetString()).Order());
        var row = audited.Single(r => r.GetProperty("outcome").GetString() == "succeeded");
        Assert.Equal(("oidc", "operator,viewer", "succeeded", 202), (row.GetProperty("authMethod").GetString(), row.GetProperty("roles").GetString(),
            row.GetProperty("outcome").GetString(), row.GetProperty("statusCode").GetInt32()));

        var refusedTokens = new Dictionary<string, string>
        {
            ["another audience"] = system.Oidc.Token("someone-else", new Dictionary<string, object> { ["sub"] = "u-1", ["roles"] = new[] { "admin" } }),
            ["expired"] = system.Oidc.Token(SystemFixture.ApiAudience, new Dictionary<string, object> { ["sub"] = "u-1", ["roles"] = new[] { "admin" } }, TimeSpan.FromMinutes(-10)),
            ["signed by an unknown key"] = system.Oidc.ForeignToken(SystemFixture.ApiAudience, new Dictionary<string, object> { ["sub"] = "u-1", ["roles"] = new[] { "admin" } }),
            ["another issuer"] = system.Oidc.Token(SystemFixture.ApiAudience, new Dictionary<string, object> { ["sub"] = "u-1", ["roles"] = new[] { "admin" } }, issuer: "https://evil.example"),
            ["not a token"] = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1LTEiLCJyb2xlcyI6WyJhZG1pbiJdfQ.",
        };
        foreach (var (what, token) in refusedTokens)
        {
            using var client = system.ApiWith(token);
            using var response = await client.GetAsync("incidents");
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"a token with {what}: {response.StatusCode}");
        }

        using var noRoles = system.ApiWith(Token());
        Assert.Equal(HttpStatusCode.Forbidden, (await noRoles.GetAsync("incidents")).StatusCode);

        // A token cannot name its own actor: the API's claims in it are dropped, the actor is the issuer's user.
        var forged = system.Oidc.Token(SystemFixture.ApiAudience, new Dictionary<string, object>
        {
            ["sub"] = "u-666", ["preferred_username"] = "mallory@example.com", ["roles"] = new[] { "operator" },
            ["agents:actor"] = "apikey:e2e-admin", ["agents:auth"] = "api-key", ["agents:api-key"] = "e2e-admin",
        });
        using (var mallory = system.ApiWith(forged))
        {
            using var acknowledged = await mallory.PostAsJsonAsync($"incidents/{Guid.NewGuid()}/acknowledge", new { note = "not me" });
            Assert.Equal(HttpStatusCode.NotFound, acknowledged.StatusCode);
        }

        var malloryRow = Assert.Single(await Audit($"actor={Uri.EscapeDataString("oidc:mallory@example.com")}"));
        Assert.Equal(("oidc", "incident.acknowledge"), (malloryRow.GetProperty("authMethod").GetString(), malloryRow.GetProperty("action").GetString()));
    }

    [Fact]
    public async Task Claims_show_member_ids_and_clinical_notes_to_claims_reviewers_only_and_their_reads_are_audited()
    {
        var claimId = $"CLM-E2E-{Guid.NewGuid():N}"[..24];
        var member = $"MBR-{Guid.NewGuid():N}"[..16];
        var notes = $"Clinical note {Guid.NewGuid():N}: refractory migraine.";
        await PostClaim(system.ApiAs("operator"), claimId, member, notes);

        await system.WaitUntil(() => Succeeds(system.ApiAs("viewer"), $"claims/{claimId}"), $"claim {claimId} to be known", Patience);
        foreach (var role in new[] { "viewer", "operator", "admin" })
        {
            var view = await system.ApiAs(role).GetFromJsonAsync<JsonElement>($"claims/{claimId}", Json);
            Assert.Equal("[redacted]", view.GetProperty("claim").GetProperty("memberId").GetString());
            Assert.Equal("[redacted]", view.GetProperty("claim").GetProperty("clinicalNotes").GetString());
            var deliberation = await system.ApiAs(role).GetStringAsync($"deliberations/{view.GetProperty("deliberationId").GetGuid()}");
            var list = await system.ApiAs(role).GetStringAsync("deliberations?kind=claim-adjudication&limit=500");
            foreach (var text in new[] { deliberation, list })
            {
                Assert.DoesNotContain(member, text, StringComparison.Ordinal);
                Assert.DoesNotContain(notes, text, StringComparison.Ordinal);
            }
        }

        var reviewed = await system.ApiAs("claims-reviewer").GetFromJsonAsync<JsonElement>($"claims/{claimId}", Json);
        Assert.Equal(member, reviewed.GetProperty("claim").GetProperty("memberId").GetString());
        Assert.Equal(notes, reviewed.GetProperty("claim").GetProperty("clinicalNotes").GetString());
        var reads = await Audit($"actor=apikey:e2e-claims-reviewer&action=claim.read-personal-data");
        Assert.Contains(reads, r => r.GetProperty("target").GetString()!.Contains(claimId, StringComparison.Ordinal));

        // A claim the intake refused waits in claim-intake_error: its body is redacted there too, for an admin who is
        // not a claims reviewer; one who is both reads it whole.
        var refusedId = $"CLM-BAD-{Guid.NewGuid():N}"[..24];
        var refusedMember = $"MBR-{Guid.NewGuid():N}"[..16];
        await system.PublishRaw(AgentQueues.ClaimsExchange,
            JsonSerializer.Serialize(new { claimId = refusedId, memberId = refusedMember, plan = "gold", clinicalNotes = notes }), "claims.e2e");
        string? seenByAdmin = null;
        await system.WaitUntil(async () =>
        {
            var letters = await system.ApiAs("admin").GetFromJsonAsync<List<JsonElement>>($"dead-letters/{AgentQueues.ClaimIntake}?limit=500", Json);
            seenByAdmin = letters!.Select(l => l.GetProperty("body").GetString()!).FirstOrDefault(b => b.Contains(refusedId, StringComparison.Ordinal));
            return seenByAdmin is not null;
        }, $"{refusedId} in {AgentQueues.ClaimIntake}_error", Patience);
        Assert.DoesNotContain(refusedMember, seenByAdmin, StringComparison.Ordinal);
        Assert.DoesNotContain(notes, seenByAdmin, StringComparison.Ordinal);
        Assert.Contains("[redacted]", seenByAdmin, StringComparison.Ordinal);
        using (var both = system.ApiWith(system.Oidc.Token(SystemFixture.ApiAudience, new Dictionary<string, object>
        {
            ["sub"] = "u-2002", ["preferred_username"] = "carol@example.com", ["roles"] = new[] { "admin", "claims-reviewer" },
        })))
        {
            var whole = await both.GetStringAsync($"dead-letters/{AgentQueues.ClaimIntake}?limit=500");
            Assert.Contains(refusedMember, whole, StringComparison.Ordinal);
        }

        Assert.Contains(await Audit($"actor={Uri.EscapeDataString("oidc:carol@example.com")}"),
            r => r.GetProperty("action").GetString() == "claim.read-personal-data");

        // JSON only: a browser's form post cannot submit a claim.
        using var form = await system.ApiAs("operator").PostAsync("claims", new FormUrlEncodedContent(new Dictionary<string, string> { ["claimId"] = "CLM-FORM" }));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
    }

    [Fact]
    public async Task An_identity_over_its_rate_is_answered_429_while_other_identities_are_not()
    {
        var flood = system.ApiAs("flood");
        var statuses = await Task.WhenAll(Enumerable.Range(0, SystemFixture.FloodBurst * 4).Select(async _ =>
        {
            using var response = await flood.GetAsync("dead-letters");
            return (response.StatusCode, response.Headers.RetryAfter?.Delta);
        }));
        Assert.Contains(statuses, s => s.StatusCode == HttpStatusCode.TooManyRequests && s.Delta == TimeSpan.FromSeconds(1));
        Assert.True(statuses.Count(s => s.StatusCode == HttpStatusCode.OK) <= SystemFixture.FloodBurst + 2,
            $"more than the burst went through: {string.Join(", ", statuses.Select(s => (int)s.StatusCode))}");

        using var other = await system.ApiAs("viewer").GetAsync("dead-letters");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        using var probe = await system.ApiAs(null).GetAsync("health/live");
        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
    }

    [Fact]
    public async Task The_audit_trail_is_append_only_and_verification_names_the_first_row_edited_or_removed_in_the_database()
    {
        using (var refused = await system.ApiAs("viewer").DeleteAsync($"dead-letters/{AgentQueues.Triage}"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        var incident = await EndedIncident("critical", withDeploy: true);
        using (var rerunResponse = await system.ApiAs("operator").PostAsJsonAsync($"incidents/{incident.Summary.IncidentId}/rerun", new { fromStep = "notification" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, rerunResponse.StatusCode);
        }

        var rows = await Audit("limit=3");
        var rerun = rows.First(r => r.GetProperty("action").GetString() == "incident.rerun");
        var forbidden = rows.First(r => r.GetProperty("action").GetString() == "dead-letter.purge");
        Assert.Equal(("apikey:e2e-operator", "operator", "api-key", "succeeded"), (rerun.GetProperty("actor").GetString(), rerun.GetProperty("roles").GetString(),
            rerun.GetProperty("authMethod").GetString(), rerun.GetProperty("outcome").GetString()));
        Assert.Equal($"id={incident.Summary.IncidentId}", rerun.GetProperty("target").GetString());
        Assert.Equal("fromStep=notification", rerun.GetProperty("detail").GetString());
        Assert.Equal(("apikey:e2e-viewer", "forbidden", 403), (forbidden.GetProperty("actor").GetString(), forbidden.GetProperty("outcome").GetString(),
            forbidden.GetProperty("statusCode").GetInt32()));
        Assert.Matches("^[0-9a-f]{32}$", rerun.GetProperty("requestId").GetString()!);
        Assert.Equal("127.0.0.1", rerun.GetProperty("clientAddress").GetString());
        // The re-run's row follows the refusal's in the chain (ids may have gaps; the chain has none).
        Assert.Equal(forbidden.GetProperty("hash").GetString(), rerun.GetProperty("prevHash").GetString());

        var intact = await Verify();
        Assert.True(intact.GetProperty("intact").GetBoolean(), intact.ToString());
        var edited = rerun.GetProperty("id").GetInt64();
        var removed = forbidden.GetProperty("id").GetInt64();

        // Append-only: the table refuses changes, even from the account that owns it.
        var change = await Assert.ThrowsAsync<PostgresException>(() => Sql($"UPDATE audit_log SET actor = 'apikey:someone-else' WHERE id = {edited}"));
        Assert.Contains("append-only", change.MessageText, StringComparison.Ordinal);
        await Assert.ThrowsAsync<PostgresException>(() => Sql($"DELETE FROM audit_log WHERE id = {edited}"));

        try
        {
            // Someone who can switch the guard off can edit a row; the chain still tells.
            await Sql($"""
                ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
                UPDATE audit_log SET actor = 'apikey:someone-else' WHERE id = {edited};
                ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;
                """);
            var broken = await Verify();
            Assert.False(broken.GetProperty("intact").GetBoolean());
            Assert.Equal(edited, broken.GetProperty("firstBrokenRow").GetInt64());
            Assert.Contains("changed", broken.GetProperty("reason").GetString(), StringComparison.Ordinal);
            output.WriteLine($"edited row: {broken}");

            // ... and a row removed from the middle breaks it at the row after.
            await Sql($"""
                ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
                UPDATE audit_log SET actor = 'apikey:e2e-operator' WHERE id = {edited};
                DELETE FROM audit_log WHERE id = {removed};
                ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;
                """);
            var gap = await Verify();
            Assert.False(gap.GetProperty("intact").GetBoolean());
            Assert.Equal(edited, gap.GetProperty("firstBrokenRow").GetInt64());
            Assert.Contains("removed", gap.GetProperty("reason").GetString(), StringComparison.Ordinal);
            output.WriteLine($"removed row: {gap}");
        }
        finally
        {
            // Put back as it was, whatever failed above: the later tests of this system verify the chain too.
            await Sql($"""
                ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
                UPDATE audit_log SET actor = 'apikey:e2e-operator' WHERE id = {edited};
                INSERT INTO audit_log (id, at, actor, roles, auth_method, action, target, request_id, client_address, outcome, status_code, detail, prev_hash, hash)
                OVERRIDING SYSTEM VALUE
                SELECT {removed}, '{forbidden.GetProperty("at").GetDateTimeOffset():O}', '{forbidden.GetProperty("actor").GetString()}',
                  '{forbidden.GetProperty("roles").GetString()}', '{forbidden.GetProperty("authMethod").GetString()}', '{forbidden.GetProperty("action").GetString()}',
                  '{forbidden.GetProperty("target").GetString()}', '{forbidden.GetProperty("requestId").GetString()}', '{forbidden.GetProperty("clientAddress").GetString()}',
                  '{forbidden.GetProperty("outcome").GetString()}', {forbidden.GetProperty("statusCode").GetInt32()}, NULL,
                  '{forbidden.GetProperty("prevHash").GetString()}', '{forbidden.GetProperty("hash").GetString()}'
                WHERE NOT EXISTS (SELECT 1 FROM audit_log WHERE id = {removed});
                ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;
                """);
        }

        var restored = await Verify();
        Assert.True(restored.GetProperty("intact").GetBoolean(), restored.ToString());
        Assert.True(restored.GetProperty("rows").GetInt64() >= intact.GetProperty("rows").GetInt64());
    }

    [Fact]
    public async Task A_human_acknowledges_then_resolves_an_escalated_incident_and_a_repeat_opens_a_new_one()
    {
        var incident = await EndedIncident("critical", withDeploy: false);
        Assert.True(incident.Summary.Status == IncidentStatuses.Escalated, $"ended {incident.Summary.Status}, not Escalated");
        var id = incident.Summary.IncidentId;
        var operatorClient = system.ApiAs("operator");

        using (var early = await operatorClient.PostAsJsonAsync($"incidents/{id}/resolve", new { note = "" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, early.StatusCode);
        }

        using (var acknowledged = await operatorClient.PostAsJsonAsync($"incidents/{id}/acknowledge", new { note = "looking at the connection pool" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, acknowledged.StatusCode);
        }

        var seen = await system.WaitForIncident(incident.Summary.Fingerprint, i => i.Summary.AcknowledgedBy is not null, "acknowledged", Patience);
        Assert.Equal("apikey:e2e-operator", seen.Summary.AcknowledgedBy);
        Assert.NotNull(seen.Summary.AcknowledgedAt);
        Assert.Equal(IncidentStatuses.Escalated, seen.Summary.Status);
        var ackEntry = seen.Timeline.Single(t => t.Event == "acknowledged");
        Assert.Equal("apikey:e2e-operator", ackEntry.Actor);
        Assert.Contains("looking at the connection pool", ackEntry.Detail, StringComparison.Ordinal);
        var listed = await system.ApiAs("viewer").GetFromJsonAsync<List<IncidentSummary>>($"incidents?fingerprint={incident.Summary.Fingerprint}", Json);
        Assert.Equal("apikey:e2e-operator", Assert.Single(listed!).AcknowledgedBy);

        using (var again = await system.ApiAs("admin").PostAsJsonAsync($"incidents/{id}/acknowledge", new { }))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            Assert.Contains("apikey:e2e-operator", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var resolved = await operatorClient.PostAsJsonAsync($"incidents/{id}/resolve", new { note = "failed over to the replica; root cause in PM-42" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, resolved.StatusCode);
        }

        var closed = await system.WaitForIncident(incident.Summary.Fingerprint, i => i.Summary.Status == IncidentStatuses.Resolved, "Resolved by a human", Patience);
        var resolvedEntry = closed.Timeline.Single(t => t.Event == "resolved by operator");
        Assert.Equal(("apikey:e2e-operator", "failed over to the replica; root cause in PM-42"), (resolvedEntry.Actor, resolvedEntry.Detail));

        using (var twice = await operatorClient.PostAsJsonAsync($"incidents/{id}/resolve", new { note = "again" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        }

        using (var unknown = await operatorClient.PostAsJsonAsync($"incidents/{Guid.NewGuid()}/acknowledge", new { }))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        // The incident no longer absorbs its alert's repeats: the next one opens a new incident.
        await system.PublishRaw(AgentQueues.AlertsExchange,
            IncidentFlowTests.Alertmanager(incident.Triage!.Service, incident.Summary.Fingerprint, "critical", DateTimeOffset.UtcNow), "prometheus.critical");
        await system.WaitUntil(async () =>
            (await system.Api.GetFromJsonAsync<List<IncidentSummary>>($"incidents?fingerprint={incident.Summary.Fingerprint}", Json))!.Count == 2,
            "a second incident for the repeat", Patience);
        var after = await system.Api.GetFromJsonAsync<IncidentDetails>($"incidents/{id}", Json);
        Assert.Equal(1, after!.Summary.AlertCount);

        var actions = (await Audit($"actor=apikey:e2e-operator&limit=50"))
            .Where(r => r.GetProperty("target").GetString() == $"id={id}").Select(r => (r.GetProperty("action").GetString(), r.GetProperty("statusCode").GetInt32())).ToList();
        Assert.Contains(("incident.acknowledge", 202), actions);
        Assert.Contains(("incident.resolve", 202), actions);
        Assert.Contains(("incident.resolve", 400), actions);
        Assert.Contains(("incident.resolve", 409), actions);
    }

    /// <summary>
    /// A request of the matrix: its concrete path, its JSON body, what must happen before its role's call succeeds, and
    /// the status the role's call gets when it cannot be a 2xx here (the orchestrator's refusal: its role got through).
    /// </summary>
    private sealed record MatrixRequest(string Path, object? Body = null, Func<Task>? Before = null, HttpStatusCode? Answer = null);

    private sealed record World(IReadOnlyDictionary<(string, string), MatrixRequest> Requests);

    /// <summary>An incident that ran every step (handed over after its dry run), an escalated one, a claim, a dead letter: something for every endpoint to act on.</summary>
    private async Task<World> Prepare()
    {
        var resolved = await EndedIncident("critical", withDeploy: true);
        var escalated = await EndedIncident("critical", withDeploy: false);
        SystemFixture.AssertHandedOverAfterDryRun(resolved);
        Assert.True(escalated.Summary.Status == IncidentStatuses.Escalated, $"the incident without a deploy ended {escalated.Summary.Status}");
        var id = resolved.Summary.IncidentId;
        var claimId = $"CLM-M-{Guid.NewGuid():N}"[..20];
        await PostClaim(system.Api, claimId, "MBR-1", "notes");
        await system.WaitUntil(() => Succeeds(system.Api, $"claims/{claimId}"), $"claim {claimId}", Patience);
        var deliberationId = (await system.Api.GetFromJsonAsync<JsonElement>($"claims/{claimId}", Json)).GetProperty("deliberationId").GetGuid();
        var messageId = await DeadLetter();
        var newClaim = JsonSerializer.Deserialize<JsonElement>(ClaimBody($"CLM-N-{Guid.NewGuid():N}"[..20], "MBR-2", "notes"));

        var requests = new Dictionary<(string, string), MatrixRequest>
        {
            [("GET", "/incidents")] = new("incidents"),
            [("GET", "/incidents/{id}")] = new($"incidents/{id}"),
            [("GET", "/incidents/{id}/scenario")] = new($"incidents/{id}/scenario"),
            [("GET", "/incidents/{id}/segments/{segment}/history")] = new($"incidents/{id}/segments/alert/history"),
            [("POST", "/incidents/{id}/rerun")] = new($"incidents/{id}/rerun", new { fromStep = "triage" }),
            // Rolls back what the re-run from triage wrote, once it has run.
            [("POST", "/incidents/{id}/rollback")] = new($"incidents/{id}/rollback", new { segment = "alert" },
                () => system.WaitForIncident(resolved.Summary.Fingerprint,
                    i => i.Timeline.Count(t => t.Event == "escalated" && t.Step == IncidentSteps.Notification) >= 2
                        && IncidentStatuses.Terminal.Contains(i.Summary.Status), "the re-run done", Patience)),
            [("POST", "/incidents/{id}/acknowledge")] = new($"incidents/{escalated.Summary.IncidentId}/acknowledge", new { note = "on it" }),
            [("POST", "/incidents/{id}/resolve")] = new($"incidents/{escalated.Summary.IncidentId}/resolve", new { note = "fixed by hand" }),
            // No workflow of this system has a human approval gate: the orchestrator refuses the decision (ApprovalApiTests has the 202).
            [("POST", "/incidents/{id}/approval")] = new($"incidents/{escalated.Summary.IncidentId}/approval", new { decision = "approve" },
                Answer: HttpStatusCode.Conflict),
            [("POST", "/claims")] = new("claims", newClaim),
            [("GET", "/claims")] = new("claims"),
            [("GET", "/claims/{claimId}")] = new($"claims/{claimId}"),
            [("GET", "/deliberations")] = new("deliberations"),
            [("GET", "/deliberations/{id}")] = new($"deliberations/{deliberationId}"),
            [("GET", "/dead-letters")] = new("dead-letters"),
            [("GET", "/dead-letters/{queue}")] = new($"dead-letters/{AgentQueues.Triage}"),
            [("GET", "/dead-letters/{queue}/{messageId}")] = new($"dead-letters/{AgentQueues.Triage}/{messageId}"),
            // Replayed, the unreadable command fails again and is back in the error queue.
            [("POST", "/dead-letters/{queue}/replay")] = new($"dead-letters/{AgentQueues.Triage}/replay", new { messageId }),
            [("DELETE", "/dead-letters/{queue}")] = new($"dead-letters/{AgentQueues.Triage}"),
            [("GET", "/remediation/kill-switch")] = new("remediation/kill-switch"),
            // Engaged, then released (only admins may): every service here is in dry-run mode, which the switch does not stop.
            [("POST", "/remediation/kill-switch/engage")] = new("remediation/kill-switch/engage", new { reason = "security matrix" }),
            [("POST", "/remediation/kill-switch/release")] = new("remediation/kill-switch/release", new { reason = "security matrix done" }),
            [("GET", "/audit")] = new("audit?limit=5"),
            [("GET", "/audit/verify")] = new("audit/verify"),
        };
        return new World(requests);
    }

    private async Task<HashSet<(string Method, string Path)>> PublishedOperations()
    {
        var document = await system.ApiAs("viewer").GetFromJsonAsync<JsonElement>("openapi/v1.json", Json);
        var operations = new HashSet<(string, string)>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is "get" or "post" or "put" or "patch" or "delete"))
            {
                operations.Add((operation.Name.ToUpperInvariant(), path.Name));
            }
        }

        return operations;
    }

    private async Task<IncidentDetails> EndedIncident(string severity, bool withDeploy)
    {
        var service = $"sec-{Guid.NewGuid():N}"[..16];
        var fingerprint = Guid.NewGuid().ToString("N")[..16];
        var alertTime = DateTimeOffset.UtcNow.AddMinutes(-1);
        if (withDeploy)
        {
            await system.PublishDeploy(service, "v3.1.0", "v3.0.9", alertTime.AddMinutes(-6));
        }

        await system.PublishRaw(AgentQueues.AlertsExchange, IncidentFlowTests.Alertmanager(service, fingerprint, severity, alertTime), $"prometheus.{severity}");
        return await system.WaitForIncident(fingerprint, i => IncidentStatuses.Terminal.Contains(i.Summary.Status), "a terminal status", Patience);
    }

    /// <summary>Puts an unreadable command in the triage error queue and answers its message id.</summary>
    private async Task<string> DeadLetter()
    {
        var marker = Guid.NewGuid().ToString("N");
        var messageId = Guid.NewGuid().ToString();
        await using (var channel = await system.Broker.CreateChannelAsync(new CreateChannelOptions(true, true)))
        {
            await channel.BasicPublishAsync("", AgentQueues.Triage, mandatory: true,
                new BasicProperties { Persistent = true, ContentType = "application/vnd.masstransit+json", MessageId = messageId },
                Encoding.UTF8.GetBytes($"{{\"messageType\": [\"urn:message:Agents.Contracts.Triage:TriageIncident\"], \"message\": {{\"incidentId\": \"{marker}"));
        }

        await system.WaitUntil(() => Succeeds(system.Api, $"dead-letters/{AgentQueues.Triage}/{messageId}"), $"{messageId} in triage_error", Patience);
        return messageId;
    }

    private static async Task<bool> Succeeds(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return response.IsSuccessStatusCode;
    }

    private static string ClaimBody(string claimId, string member, string notes) => JsonSerializer.Serialize(new
    {
        claimId, memberId = member, plan = "gold", procedureCode = "70553", diagnosisCodes = new[] { "G43.909" }, amount = 1850.00,
        serviceDate = "2026-11-20", providerId = "PRV-3310", inNetwork = true, priorAuthorization = true, clinicalNotes = notes,
    });

    private static async Task PostClaim(HttpClient client, string claimId, string member, string notes)
    {
        using var posted = await client.PostAsync("claims", new StringContent(ClaimBody(claimId, member, notes), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
    }

    private async Task<List<JsonElement>> Audit(string query) =>
        await system.ApiAs("admin").GetFromJsonAsync<List<JsonElement>>($"audit?{query}", Json) ?? [];

    private async Task<JsonElement> Verify() => await system.ApiAs("admin").GetFromJsonAsync<JsonElement>("audit/verify", Json);

    private static async Task<HttpStatusCode> Status(HttpClient client, string method, MatrixRequest request)
    {
        using var response = await Send(client, method, request);
        return response.StatusCode;
    }

    private static Task<HttpResponseMessage> Send(HttpClient client, string method, MatrixRequest request)
    {
        var message = new HttpRequestMessage(new HttpMethod(method), request.Path);
        if (request.Body is not null)
        {
            message.Content = JsonContent.Create(request.Body, options: Json);
        }

        return client.SendAsync(message);
    }

    private async Task Sql(string sql)
    {
        await using var connection = new NpgsqlConnection(system.DatabaseConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
