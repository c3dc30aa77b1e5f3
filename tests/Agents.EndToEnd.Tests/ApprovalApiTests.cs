using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Agents.Contracts.Incidents;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Agents.EndToEnd.Tests;

/// <summary>
/// The API alone: the tests answer its <see cref="DecideApproval"/> requests in the orchestrator's place. An orchestrator
/// runs only until the API is ready: its migrations make the store's tables, the audit trail's among them.
/// </summary>
public sealed class ApprovalApiFixture() : SystemFixture(["orchestrator", "api"], new Dictionary<string, string>()), IAsyncLifetime
{
    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        await Kill("orchestrator");
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ApprovalApiCollection : ICollectionFixture<ApprovalApiFixture>
{
    public const string Name = "approval-api";
}

/// <summary>
/// <c>POST /incidents/{id}/approval</c>, a human's decision at a workflow's human approval gate: its validation, its
/// role, how the orchestrator's answers map to statuses, the command it sends (actor, normalised decision, note) and
/// its audit rows. A fake orchestrator on the system's virtual host answers the requests.
/// </summary>
[Collection(ApprovalApiCollection.Name)]
public sealed class ApprovalApiTests(ApprovalApiFixture system)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task A_decision_that_is_not_approve_or_deny_a_denial_without_a_note_or_a_note_too_long_is_a_400_and_reaches_no_one()
    {
        await using var orchestrator = await FakeOrchestrator.Start(system.Broker);
        var id = Guid.NewGuid();
        var operatorClient = system.ApiAs("operator");
        var refusals = new (object Body, string Title)[]
        {
            (new { }, "Unknown decision"),
            (new { decision = "" }, "Unknown decision"),
            (new { decision = "maybe", note = "hmm" }, "Unknown decision"),
            (new { decision = "deny" }, "A note is required"),
            (new { decision = "Deny", note = "   " }, "A note is required"),
            (new { decision = "approve", note = new string('n', 4097) }, "Note too long"),
            (new { decision = "deny", note = new string('n', 4097) }, "Note too long"),
        };
        foreach (var (body, title) in refusals)
        {
            using var response = await operatorClient.PostAsJsonAsync($"incidents/{id}/approval", body);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Json);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest && problem.GetProperty("title").GetString() == title,
                $"{title}: {(int)response.StatusCode} {problem}");
        }

        using (var unknownDecision = await operatorClient.PostAsJsonAsync($"incidents/{id}/approval", new { decision = "maybe" }))
        {
            var detail = (await unknownDecision.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("detail").GetString();
            Assert.Contains("approve, deny", detail, StringComparison.Ordinal);
        }

        using (var notAGuid = await operatorClient.PostAsJsonAsync("incidents/not-a-guid/approval", new { decision = "approve" }))
        {
            Assert.Equal(HttpStatusCode.NotFound, notAGuid.StatusCode);
        }

        Assert.Empty(orchestrator.Received);
        var rows = await Audit($"action=incident.approval&limit=50", id);
        Assert.Equal(refusals.Length + 1, rows.Count);
        Assert.All(rows, r => Assert.Equal((400, "refused", "apikey:e2e-operator"),
            (r.GetProperty("statusCode").GetInt32(), r.GetProperty("outcome").GetString(), r.GetProperty("actor").GetString())));
    }

    [Fact]
    public async Task Only_an_operator_or_an_admin_may_decide()
    {
        await using var orchestrator = await FakeOrchestrator.Start(system.Broker);
        var id = Guid.NewGuid();
        orchestrator.Accept(id);
        var body = new { decision = "approve" };

        using (var anonymous = await system.ApiAs(null).PostAsJsonAsync($"incidents/{id}/approval", body))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        foreach (var role in new[] { "viewer", "claims-reviewer" })
        {
            using var refused = await system.ApiAs(role).PostAsJsonAsync($"incidents/{id}/approval", body);
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{role}: {refused.StatusCode}");
        }

        Assert.Empty(orchestrator.Received);
        foreach (var role in new[] { "operator", "admin" })
        {
            using var accepted = await system.ApiAs(role).PostAsJsonAsync($"incidents/{id}/approval", body);
            Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, $"{role}: {accepted.StatusCode}");
        }

        Assert.Equal(["apikey:e2e-operator", "apikey:e2e-admin"], orchestrator.Received.Select(c => c.Actor));
        var forbidden = await Audit("action=incident.approval&outcome=forbidden&limit=50", id);
        Assert.Equal(["apikey:e2e-claims-reviewer", "apikey:e2e-viewer"], forbidden.Select(r => r.GetProperty("actor").GetString()).Order());
    }

    [Fact]
    public async Task The_orchestrators_answers_are_202_409_and_404_and_the_command_carries_the_actor_the_decision_and_the_note()
    {
        await using var orchestrator = await FakeOrchestrator.Start(system.Broker);
        var (accepted, refused, unknown) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        orchestrator.Accept(accepted);
        orchestrator.Refuse(refused, "the incident is not waiting for a human's approval (it is Escalated)");
        var operatorClient = system.ApiAs("operator");

        using (var response = await operatorClient.PostAsJsonAsync($"incidents/{accepted}/approval", new { decision = " APPROVE ", note = "  rollback looks right  " }))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            Assert.Equal($"/incidents/{accepted}", response.Headers.Location?.OriginalString);
            var answer = await response.Content.ReadFromJsonAsync<OperatorCommandAccepted>(Json);
            Assert.Equal((accepted, $"decided for {accepted}"), (answer!.IncidentId, answer.Detail));
        }

        using (var response = await operatorClient.PostAsJsonAsync($"incidents/{refused}/approval", new { decision = "deny", note = "not during the freeze" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Json);
            Assert.Equal(("Refused", "the incident is not waiting for a human's approval (it is Escalated)"),
                (problem.GetProperty("title").GetString(), problem.GetProperty("detail").GetString()));
        }

        using (var response = await operatorClient.PostAsJsonAsync($"incidents/{unknown}/approval", new { decision = "approve" }))
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Contains(unknown.ToString(), await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(
            [
                new DecideApproval { IncidentId = accepted, Decision = "approve", Actor = "apikey:e2e-operator", Note = "rollback looks right" },
                new DecideApproval { IncidentId = refused, Decision = "deny", Actor = "apikey:e2e-operator", Note = "not during the freeze" },
                new DecideApproval { IncidentId = unknown, Decision = "approve", Actor = "apikey:e2e-operator", Note = null },
            ],
            orchestrator.Received);

        // The actor is the authenticated identity: an OIDC user's, whatever the token claims besides.
        using (var alice = system.ApiWith(system.Oidc.Token(SystemFixture.ApiAudience, new Dictionary<string, object>
        {
            ["sub"] = "u-1001", ["preferred_username"] = "alice@example.com", ["roles"] = new[] { "operator" }, ["agents:actor"] = "apikey:e2e-admin",
        })))
        {
            using var response = await alice.PostAsJsonAsync($"incidents/{accepted}/approval", new { decision = "Deny", note = "changed my mind" });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        Assert.Equal(("oidc:alice@example.com", "deny"), (orchestrator.Received[^1].Actor, orchestrator.Received[^1].Decision));

        var rows = (await Audit("action=incident.approval&limit=50", accepted, refused, unknown))
            .Select(r => (r.GetProperty("actor").GetString(), r.GetProperty("target").GetString(), r.GetProperty("outcome").GetString(),
                r.GetProperty("statusCode").GetInt32(), r.GetProperty("detail").GetString()))
            .ToList();
        Assert.Contains(("apikey:e2e-operator", $"id={accepted}", "succeeded", 202, "decision=approve note=rollback looks right"), rows);
        Assert.Contains(("apikey:e2e-operator", $"id={refused}", "refused", 409, "decision=deny note=not during the freeze"), rows);
        Assert.Contains(("apikey:e2e-operator", $"id={unknown}", "refused", 404, "decision=approve"), rows);
        Assert.Contains(("oidc:alice@example.com", $"id={accepted}", "succeeded", 202, "decision=deny note=changed my mind"), rows);
        Assert.Equal(4, rows.Count);
    }

    /// <summary>The audit rows of <paramref name="query"/> whose target is one of <paramref name="ids"/>.</summary>
    private async Task<List<JsonElement>> Audit(string query, params Guid[] ids)
    {
        var targets = ids.Select(i => $"id={i}").ToHashSet();
        var rows = await system.ApiAs("admin").GetFromJsonAsync<List<JsonElement>>($"audit?{query}", Json) ?? [];
        return rows.Where(r => targets.Contains(r.GetProperty("target").GetString()!)).ToList();
    }

    /// <summary>
    /// The orchestrator's side of <see cref="DecideApproval"/>, spoken over the broker as MassTransit does: it takes the
    /// requests the API publishes and answers each at its response address: accepted or refused for the incidents it was
    /// told of, not found for any other.
    /// </summary>
    private sealed class FakeOrchestrator : IAsyncDisposable
    {
        private readonly IChannel _channel;
        private readonly ConcurrentDictionary<Guid, string?> _refusals = new();
        private readonly List<DecideApproval> _received = [];

        private FakeOrchestrator(IChannel channel) => _channel = channel;

        public IReadOnlyList<DecideApproval> Received
        {
            get
            {
                lock (_received)
                {
                    return [.. _received];
                }
            }
        }

        /// <summary>Answers decisions on <paramref name="id"/> with <see cref="OperatorCommandAccepted"/>.</summary>
        public void Accept(Guid id) => _refusals[id] = null;

        /// <summary>Answers decisions on <paramref name="id"/> with <see cref="OperatorCommandRefused"/>.</summary>
        public void Refuse(Guid id, string reason) => _refusals[id] = reason;

        public static async Task<FakeOrchestrator> Start(IConnection broker)
        {
            var channel = await broker.CreateChannelAsync();
            var fake = new FakeOrchestrator(channel);
            // The exchange MassTransit publishes the message type to (it declares the same one).
            var exchange = $"{typeof(DecideApproval).Namespace}:{nameof(DecideApproval)}";
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
            var queue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
            await channel.QueueBindAsync(queue, exchange, "");
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, delivery) => fake.Answer(delivery);
            await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
            return fake;
        }

        private async Task Answer(BasicDeliverEventArgs delivery)
        {
            var envelope = JsonNode.Parse(Encoding.UTF8.GetString(delivery.Body.Span))!;
            var command = envelope["message"].Deserialize<DecideApproval>(Json)!;
            lock (_received)
            {
                _received.Add(command);
            }

            var (type, message) = _refusals.TryGetValue(command.IncidentId, out var reason)
                ? reason is null
                    ? (nameof(OperatorCommandAccepted), new JsonObject { ["incidentId"] = command.IncidentId, ["detail"] = $"decided for {command.IncidentId}" })
                    : (nameof(OperatorCommandRefused), new JsonObject { ["incidentId"] = command.IncidentId, ["reason"] = reason })
                : (nameof(IncidentNotFound), new JsonObject { ["incidentId"] = command.IncidentId });
            var response = new JsonObject
            {
                ["messageId"] = Guid.NewGuid(),
                ["requestId"] = envelope["requestId"]!.GetValue<string>(),
                ["conversationId"] = envelope["conversationId"]?.GetValue<string>(),
                ["destinationAddress"] = envelope["responseAddress"]!.GetValue<string>(),
                ["messageType"] = new JsonArray($"urn:message:{typeof(DecideApproval).Namespace}:{type}"),
                ["message"] = message,
                ["sentTime"] = DateTime.UtcNow,
                ["headers"] = new JsonObject(),
            };
            // The response address is the requester's own endpoint: rabbitmq://host/vhost/<exchange>?temporary=true.
            var replyTo = new Uri(envelope["responseAddress"]!.GetValue<string>()).Segments[^1];
            await _channel.BasicPublishAsync(replyTo, "", mandatory: false,
                new BasicProperties { ContentType = "application/vnd.masstransit+json", MessageId = response["messageId"]!.ToString() },
                Encoding.UTF8.GetBytes(response.ToJsonString()));
        }

        public async ValueTask DisposeAsync()
        {
            await _channel.CloseAsync();
            await _channel.DisposeAsync();
        }
    }
}
