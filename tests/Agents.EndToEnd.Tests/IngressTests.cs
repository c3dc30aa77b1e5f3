using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.Testing;
using Xunit.Abstractions;

namespace Agents.EndToEnd.Tests;

/// <summary>
/// The whole incident system with the webhook ingress in front: sources of every kind, each with its own secret, a
/// Grafana-style source on basic auth, a generic source that also takes a bearer token, and a source limited to one
/// webhook a second for the flood test. The bounds are the defaults (<c>AlertLimits</c>).
/// </summary>
public sealed class IngressFixture() : SystemFixture(
    ["scheduler", "orchestrator", "triage", "context", "investigation", "remediation", "notification", "api", "ingress"],
    new Dictionary<string, string>
    {
        ["Ingress__Sources__alertmanager__Token"] = AlertmanagerToken,
        ["Ingress__Sources__grafana__Kind"] = "alertmanager",
        ["Ingress__Sources__grafana__Username"] = "grafana",
        ["Ingress__Sources__grafana__Password"] = GrafanaPassword,
        ["Ingress__Sources__pagerduty__Secret"] = PagerDutySecret,
        ["Ingress__Sources__pagerduty__PreviousSecret"] = PagerDutyOldSecret,
        ["Ingress__Sources__generic__Secret"] = GenericSecret,
        ["Ingress__Sources__ci__Kind"] = "generic",
        ["Ingress__Sources__ci__Token"] = CiToken,
        ["Ingress__Sources__flood__Kind"] = "generic",
        ["Ingress__Sources__flood__Secret"] = FloodSecret,
        ["Ingress__Sources__flood__PermitsPerSecond"] = "0.2",
        ["Ingress__Sources__flood__Burst"] = "3",
    })
{
    public const string AlertmanagerToken = "e2e-alertmanager-token-0123456789";
    public const string GrafanaPassword = "e2e-grafana-password-0123456789";
    public const string PagerDutySecret = "e2e-pagerduty-secret-new-0123456789";
    public const string PagerDutyOldSecret = "e2e-pagerduty-secret-old-0123456789";
    public const string GenericSecret = "e2e-generic-secret-0123456789";
    public const string CiToken = "e2e-ci-bearer-token-0123456789";
    public const string FloodSecret = "e2e-flood-secret-0123456789";

    private HttpClient? _ingress;

    /// <summary>The ingress, for webhooks.</summary>
    public HttpClient Ingress => _ingress ??= new HttpClient { BaseAddress = Addresses("ingress")[0], Timeout = TimeSpan.FromSeconds(30) };
}

[CollectionDefinition(Name)]
public sealed class IngressCollection : ICollectionFixture<IngressFixture>
{
    public const string Name = "ingress";
}

[Collection(IngressCollection.Name)]
public sealed class IngressTests(IngressFixture system, ITestOutputHelper output)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Prometheus_alert_reaches_an_incident_through_alertmanager_and_its_resolution_is_recorded()
    {
        var alertName = "E2eCheckoutDown" + Guid.NewGuid().ToString("N")[..6];
        await using var target = ScrapeTarget.Reserve();
        await using var alertmanager = await AlertmanagerServer.Start(new Uri(system.Ingress.BaseAddress!, "webhooks/alertmanager"), IngressFixture.AlertmanagerToken);
        await using var prometheus = await PrometheusServer.Start(
            alertmanager.Address,
            target.HostPort,
            job: "checkout",
            alertName: alertName,
            labels: new Dictionary<string, string> { ["severity"] = "critical", ["service"] = "checkout" },
            annotations: new Dictionary<string, string> { ["summary"] = "The checkout scrape target is down" });
        var clock = System.Diagnostics.Stopwatch.StartNew();

        // Alertmanager's fingerprint of the alert is the incident's: read it from Alertmanager once the rule fires.
        string? fingerprint = null;
        await system.WaitUntil(async () =>
        {
            var answer = await alertmanager.Get("api/v2/alerts"); // "<status> <body>"
            if (!answer.StartsWith("200 ", StringComparison.Ordinal))
            {
                return false;
            }

            var alerts = JsonDocument.Parse(answer[4..]).RootElement;
            fingerprint = alerts.EnumerateArray()
                .Where(a => a.GetProperty("labels").TryGetProperty("alertname", out var name) && name.GetString() == alertName)
                .Select(a => a.GetProperty("fingerprint").GetString())
                .FirstOrDefault();
            return fingerprint is not null;
        }, () => $"Prometheus to fire {alertName}{Environment.NewLine}{prometheus.RecentOutput}{Environment.NewLine}{alertmanager.RecentOutput}", TimeSpan.FromSeconds(90));

        var opened = await system.WaitForIncident(fingerprint!, _ => true, "opened from Alertmanager's webhook", TimeSpan.FromSeconds(90));
        var openedAfter = clock.Elapsed;
        Assert.Equal("alertmanager", opened.Alert.Format);
        Assert.Equal("checkout", opened.Alert.Service);

        await target.StartServing();
        var resolved = await system.WaitForIncident(fingerprint!, i => i.Timeline.Any(t => t.Event == "source reports resolved"),
            "Alertmanager's resolved webhook recorded", TimeSpan.FromSeconds(90));
        output.WriteLine($"{fingerprint}: opened {openedAfter.TotalSeconds:0.0} s after Prometheus was ready, resolution recorded after "
            + $"{clock.Elapsed.TotalSeconds:0.0} s; ends {resolved.Summary.Status}");
    }

    [Fact]
    public async Task PagerDuty_webhooks_signed_with_the_current_or_a_rotated_secret_open_and_resolve_an_incident()
    {
        var id = "PD" + Guid.NewGuid().ToString("N")[..10].ToUpperInvariant();
        var triggered = PagerDuty(id, "incident.triggered");

        // During a rotation PagerDuty signs with both secrets; only the old one is known here... and the other way round.
        using (var rotated = WebhookSigning.PagerDuty(triggered, "not-our-secret-at-all-0123456789", IngressFixture.PagerDutySecret))
        {
            await Expect(rotated, HttpStatusCode.Accepted, null);
        }

        await system.WaitForIncident(id, _ => true, "opened", TimeSpan.FromSeconds(60));

        using (var wrong = WebhookSigning.PagerDuty(PagerDuty(id, "incident.resolved"), "not-our-secret-at-all-0123456789"))
        {
            await Expect(wrong, HttpStatusCode.Unauthorized, "bad_signature");
        }

        using (var old = WebhookSigning.PagerDuty(PagerDuty(id, "incident.resolved"), IngressFixture.PagerDutyOldSecret))
        {
            await Expect(old, HttpStatusCode.Accepted, null);
        }

        var incident = await system.WaitForIncident(id, i => i.Timeline.Any(t => t.Event == "source reports resolved"), "the source's resolution", TimeSpan.FromSeconds(60));
        output.WriteLine($"{id}: {incident.Summary.Status}, {incident.Timeline.Count} timeline entries");
    }

    [Fact]
    public async Task Generic_webhooks_signed_with_a_timestamp_or_sent_with_a_token_open_incidents_and_replays_are_refused()
    {
        var signed = Generic("e2e-generic-" + Guid.NewGuid().ToString("N")[..8]);
        using (var request = WebhookSigning.Generic(signed.Body, IngressFixture.GenericSecret, DateTimeOffset.UtcNow))
        {
            await Expect(request, HttpStatusCode.Accepted, null);
        }

        // The same signed request six minutes later: outside the window.
        using (var replay = WebhookSigning.Generic(signed.Body, IngressFixture.GenericSecret, DateTimeOffset.UtcNow.AddMinutes(-6)))
        {
            await Expect(replay, HttpStatusCode.Unauthorized, "expired_signature");
        }

        var bearer = Generic("e2e-ci-" + Guid.NewGuid().ToString("N")[..8]);
        using (var request = WebhookSigning.Post("generic", bearer.Body))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", IngressFixture.CiToken);
            await Expect(request, HttpStatusCode.Accepted, null);
        }

        var incident = await system.WaitForIncident(signed.Fingerprint, i => i.TraceId is not null, "opened", TimeSpan.FromSeconds(60));
        await system.WaitForIncident(bearer.Fingerprint, _ => true, "opened", TimeSpan.FromSeconds(60));

        // The incident's trace starts at the webhook: the ingress' request and publish spans are in it, and the
        // orchestrator's. Each service exports in batches of its own, so the wait covers all three.
        var spans = await system.Telemetry.WaitFor(
            s => s.Any(x => x.TraceId == incident.TraceId && x.ServiceName == "ingress" && x.Name.StartsWith("POST", StringComparison.Ordinal))
                && s.Any(x => x.TraceId == incident.TraceId && x.ServiceName == "ingress" && x.Name == "alerts publish")
                && s.Any(x => x.TraceId == incident.TraceId && x.ServiceName == "orchestrator"),
            TimeSpan.FromSeconds(30));
        Assert.Contains(spans, x => x.TraceId == incident.TraceId && x.ServiceName == "orchestrator");
    }

    [Fact]
    public async Task Hostile_requests_get_their_documented_status_and_nothing_reaches_the_saga()
    {
        var errorsBefore = await QueueMessages($"{AgentQueues.Orchestrator}_error");
        var intakeErrorsBefore = await QueueMessages($"{AgentQueues.AlertIntake}_error");
        var valid = Encoding.UTF8.GetBytes(AlertmanagerBody("e2e-hostile-valid", labels: 3));
        var results = new List<string>();

        async Task Check(string name, HttpRequestMessage request, HttpStatusCode status, string? reason)
        {
            using (request)
            {
                var (actualStatus, actualReason) = await Send(request);
                results.Add($"{name}: {(int)actualStatus} {actualReason}");
                Assert.True(actualStatus == status && (reason is null || actualReason == reason),
                    $"{name}: expected {(int)status} {reason}, got {(int)actualStatus} {actualReason}");
            }
        }

        HttpRequestMessage Am(byte[] body, string contentType = "application/json")
        {
            var request = WebhookSigning.Post("alertmanager", body, contentType);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", IngressFixture.AlertmanagerToken);
            return request;
        }

        HttpRequestMessage AmText(string body) => Am(Encoding.UTF8.GetBytes(body));

        void Record(string name, (HttpStatusCode Status, string? Reason) actual, HttpStatusCode status, string reason)
        {
            results.Add($"{name}: {(int)actual.Status} {actual.Reason}");
            Assert.True(actual.Status == status && actual.Reason == reason, $"{name}: expected {(int)status} {reason}, got {(int)actual.Status} {actual.Reason}");
        }

        // Credentials.
        await Check("unsigned", WebhookSigning.Post("alertmanager", valid), HttpStatusCode.Unauthorized, "unauthenticated");
        await Check("wrong bearer", WebhookSigning.Alertmanager(valid, "e2e-wrong-token-0123456789"), HttpStatusCode.Unauthorized, "unauthenticated");
        var basic = WebhookSigning.Post("alertmanager", valid);
        basic.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("grafana:wrong-password-0123456789")));
        await Check("wrong basic password", basic, HttpStatusCode.Unauthorized, "unauthenticated");
        var scheme = WebhookSigning.Post("alertmanager", valid);
        scheme.Headers.TryAddWithoutValidation("Authorization", "Token " + IngressFixture.AlertmanagerToken);
        await Check("token under another scheme", scheme, HttpStatusCode.Unauthorized, "unauthenticated");
        await Check("pagerduty unsigned", WebhookSigning.Post("pagerduty", PagerDuty("PDHOSTILE1", "incident.triggered")), HttpStatusCode.Unauthorized, "unauthenticated");
        await Check("pagerduty wrong secret", WebhookSigning.PagerDuty(PagerDuty("PDHOSTILE2", "incident.triggered"), "e2e-wrong-secret-0123456789"), HttpStatusCode.Unauthorized, "bad_signature");
        var tampered = WebhookSigning.Post("pagerduty", PagerDuty("PDHOSTILE3", "incident.triggered"));
        tampered.Headers.Add("X-PagerDuty-Signature", WebhookSigning.PagerDutySignature(PagerDuty("PDHOSTILE4", "incident.triggered"), IngressFixture.PagerDutySecret));
        await Check("pagerduty signature of another body", tampered, HttpStatusCode.Unauthorized, "bad_signature");
        var notHex = WebhookSigning.Post("pagerduty", PagerDuty("PDHOSTILE5", "incident.triggered"));
        notHex.Headers.Add("X-PagerDuty-Signature", "v1=" + new string('z', 64));
        await Check("pagerduty signature not hex", notHex, HttpStatusCode.Unauthorized, "bad_signature");
        var generic = Generic("e2e-hostile-generic").Body;
        await Check("generic expired", WebhookSigning.Generic(generic, IngressFixture.GenericSecret, DateTimeOffset.UtcNow.AddMinutes(-10)), HttpStatusCode.Unauthorized, "expired_signature");
        await Check("generic from the future", WebhookSigning.Generic(generic, IngressFixture.GenericSecret, DateTimeOffset.UtcNow.AddMinutes(10)), HttpStatusCode.Unauthorized, "expired_signature");
        var noStamp = WebhookSigning.Post("generic", generic);
        noStamp.Headers.Add("X-Agents-Signature", "v1=" + WebhookSigning.Hmac(IngressFixture.GenericSecret, generic));
        await Check("generic without timestamp", noStamp, HttpStatusCode.Unauthorized, "bad_signature");
        var unstamped = WebhookSigning.Post("generic", generic);
        unstamped.Headers.Add("X-Agents-Signature", $"t={DateTimeOffset.UtcNow.ToUnixTimeSeconds()},v1={WebhookSigning.Hmac(IngressFixture.GenericSecret, generic)}");
        await Check("generic signature over the body alone", unstamped, HttpStatusCode.Unauthorized, "bad_signature");

        // Request shape.
        await Check("text/plain", Am(valid, "text/plain"), HttpStatusCode.UnsupportedMediaType, "content_type");
        await Check("form post", Am(valid, "application/x-www-form-urlencoded"), HttpStatusCode.UnsupportedMediaType, "content_type");
        await Check("latin-1 charset", Am(valid, "application/json; charset=iso-8859-1"), HttpStatusCode.UnsupportedMediaType, "content_type");
        using (var get = new HttpRequestMessage(HttpMethod.Get, "webhooks/alertmanager"))
        {
            var response = await system.Ingress.SendAsync(get);
            results.Add($"GET: {(int)response.StatusCode}");
            Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        }

        await Check("unknown kind", WebhookSigning.Post("nagios", valid), HttpStatusCode.NotFound, null);

        // Size.
        // HttpClient stops at a broken pipe when the server answers before the body is sent, as the ingress does: these
        // two go over a plain socket, the way a sender that does not wait for 100-continue writes them.
        var declared = await RawPost($"POST /webhooks/alertmanager HTTP/1.1\r\nHost: e2e\r\nAuthorization: Bearer {IngressFixture.AlertmanagerToken}\r\n"
            + $"Content-Type: application/json\r\nContent-Length: {50 * 1024 * 1024}\r\n\r\n", chunks: 0);
        Record("50 MB body, length declared", declared, HttpStatusCode.RequestEntityTooLarge, "too_large");
        var unsigned = await RawPost("POST /webhooks/alertmanager HTTP/1.1\r\nHost: e2e\r\nContent-Type: application/json\r\n"
            + $"Content-Length: {50 * 1024 * 1024}\r\n\r\n", chunks: 0);
        Record("50 MB body without credentials (refused before it is read)", unsigned, HttpStatusCode.Unauthorized, "unauthenticated");
        var chunked = await RawPost($"POST /webhooks/alertmanager HTTP/1.1\r\nHost: e2e\r\nAuthorization: Bearer {IngressFixture.AlertmanagerToken}\r\n"
            + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", chunks: 32);
        Record("2 MiB chunked, no length", chunked, HttpStatusCode.RequestEntityTooLarge, "too_large");
        await Check("50,000 alerts", AmText(AlertmanagerBody("e2e-hostile-many", labels: 1, alerts: 50_000)), HttpStatusCode.RequestEntityTooLarge, "too_large");

        // Structure.
        await Check("1,001 alerts", AmText("{\"alerts\":[" + string.Join(",", Enumerable.Repeat("{}", 1001)) + "]}"), HttpStatusCode.BadRequest, "too_many_alerts");
        await Check("101 labels", AmText(AlertmanagerBody("e2e-hostile-labels", labels: 101)), HttpStatusCode.BadRequest, "too_many_labels");
        await Check("8,193-character label", AmText(AlertmanagerBody("e2e-hostile-long", labels: 1, value: new string('x', 8193))), HttpStatusCode.BadRequest, "value_too_long");
        await Check("9,000-character key", AmText($"{{\"{new string('k', 9000)}\":1}}"), HttpStatusCode.BadRequest, "value_too_long");
        await Check("10,000-deep nesting", AmText(new string('[', 10_000).Insert(0, "{\"a\":") + new string(']', 10_000) + "}"), HttpStatusCode.BadRequest, "too_deep");
        await Check("33-deep nesting", AmText(string.Concat(Enumerable.Repeat("{\"a\":", 33)) + "1" + new string('}', 33)), HttpStatusCode.BadRequest, "too_deep");
        await Check("escaped NUL", AmText(AlertmanagerBody("e2e-hostile-nul", labels: 1, value: "a\\u0000b")), HttpStatusCode.BadRequest, "control_character");
        await Check("escaped escape character", AmText(AlertmanagerBody("e2e-hostile-esc", labels: 1, value: "\\u001b[31m")), HttpStatusCode.BadRequest, "control_character");
        await Check("raw control byte", Am([.. Encoding.UTF8.GetBytes("{\"a\":\"x"), 0x01, .. Encoding.UTF8.GetBytes("\"}")]), HttpStatusCode.BadRequest, "invalid_json");
        await Check("lone surrogate", AmText(AlertmanagerBody("e2e-hostile-surrogate", labels: 1, value: "\\ud800x")), HttpStatusCode.BadRequest, "lone_surrogate");
        await Check("invalid UTF-8", Am([.. Encoding.UTF8.GetBytes("{\"a\":\""), 0xC3, 0x28, .. Encoding.UTF8.GetBytes("\"}")]), HttpStatusCode.BadRequest, "invalid_utf8");
        await Check("duplicate key", AmText("{\"alerts\":[],\"alerts\":[{\"labels\":{\"alertname\":\"x\"}}]}"), HttpStatusCode.BadRequest, "duplicate_key");
        await Check("not JSON", AmText("hello"), HttpStatusCode.BadRequest, "invalid_json");
        await Check("array at the top", AmText("[{\"alerts\":[]}]"), HttpStatusCode.BadRequest, "not_an_object");
        await Check("empty body", Am([]), HttpStatusCode.BadRequest, "invalid_json");
        await Check("truncated", AmText("{\"alerts\":[{\"labels\":"), HttpStatusCode.BadRequest, "invalid_json");
        await Check("two documents", AmText("{} {}"), HttpStatusCode.BadRequest, "invalid_json");

        // A flood from one source: its bucket holds 3, refilled one every 5 s.
        var flood = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            using var request = WebhookSigning.Generic(Generic($"e2e-flood-{i}-{Guid.NewGuid():N}").Body, IngressFixture.FloodSecret, DateTimeOffset.UtcNow);
            var response = await system.Ingress.SendAsync(request);
            flood.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.True(response.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 }, "a 429 says when to retry");
            }
        }

        results.Add("flood: " + string.Join(" ", flood.Select(s => (int)s)));
        Assert.True(flood.Count(s => s == HttpStatusCode.TooManyRequests) >= 6, string.Join(Environment.NewLine, results));
        Assert.All(flood, s => Assert.Contains(s, new[] { HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests }));

        // An over-long fingerprint is hashed, not refused.
        var longFingerprint = new string('f', 300);
        using (var request = WebhookSigning.Alertmanager(Encoding.UTF8.GetBytes(AlertmanagerBody(longFingerprint, labels: 2)), IngressFixture.AlertmanagerToken))
        {
            await Expect(request, HttpStatusCode.Accepted, null);
        }

        var hashed = "sha256-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(longFingerprint)));
        await system.WaitForIncident(hashed, _ => true, "opened under the hashed fingerprint", TimeSpan.FromSeconds(60));

        output.WriteLine($"{results.Count} hostile requests:{Environment.NewLine}{string.Join(Environment.NewLine, results)}");
        Assert.True(results.Count >= 30, $"only {results.Count} hostile requests");

        // The next valid alert goes all the way; nothing above reached the saga, an error queue or a pager.
        using (var next = WebhookSigning.Alertmanager(valid, IngressFixture.AlertmanagerToken))
        {
            await Expect(next, HttpStatusCode.Accepted, null);
        }

        await system.WaitForIncident("e2e-hostile-valid", i => i.Summary.Status is "Resolved" or "Closed" or "Escalated", "an end", TimeSpan.FromSeconds(90));
        Assert.Equal(errorsBefore, await QueueMessages($"{AgentQueues.Orchestrator}_error"));
        Assert.Equal(intakeErrorsBefore, await QueueMessages($"{AgentQueues.AlertIntake}_error"));
        Assert.Equal(0, await system.EmergencyPages());
        await AssertMetricCounts();
    }

    [Fact]
    public async Task Labels_that_differ_only_in_case_are_refused_at_the_edge_rather_than_lost_behind_it()
    {
        // MassTransit reads every message's dictionaries ignoring case, so labels team and Team would collide after the
        // intake and fail a webhook already answered 202: the ingress refuses them up front, with the reason.
        var fingerprint = "e2e-case-" + Guid.NewGuid().ToString("N")[..8];
        var body = AlertmanagerBody(fingerprint, labels: 1).Replace("\"alertname\":\"v\"", "\"alertname\":\"v\",\"team\":\"payments\",\"Team\":\"Payments EU\"", StringComparison.Ordinal);
        using var request = WebhookSigning.Alertmanager(Encoding.UTF8.GetBytes(body), IngressFixture.AlertmanagerToken);
        await Expect(request, HttpStatusCode.BadRequest, "duplicate_key");
    }

    [Theory]
    [InlineData("{\"source\":\"amqp\",\"service\":\"checkout\",\"summary\":\"nul \\u0000 here\",\"timestamp\":\"2026-12-06T10:00:00Z\",\"fingerprint\":\"MARKER\"}", "control_character")]
    [InlineData("{\"source\":\"amqp\",\"service\":\"checkout\",\"summary\":\"lone \\udc00\",\"timestamp\":\"2026-12-06T10:00:00Z\",\"fingerprint\":\"MARKER\"}", "lone_surrogate")]
    [InlineData("{\"source\":\"amqp\",\"service\":\"checkout\",\"service\":\"other\",\"summary\":\"dup\",\"timestamp\":\"2026-12-06T10:00:00Z\",\"fingerprint\":\"MARKER\"}", "duplicate")]
    [InlineData("{\"source\":\"amqp\",\"service\":\"checkout\",\"summary\":\"LONG\",\"timestamp\":\"2026-12-06T10:00:00Z\",\"fingerprint\":\"MARKER\"}", "value_too_long")]
    public async Task What_a_producer_publishes_to_the_exchange_is_bounded_by_the_intake_too(string template, string reason)
    {
        var marker = "e2e-amqp-" + Guid.NewGuid().ToString("N")[..8];
        var body = template.Replace("MARKER", marker, StringComparison.Ordinal).Replace("LONG", new string('x', 70_000), StringComparison.Ordinal);
        var errorsBefore = await QueueMessages($"{AgentQueues.Orchestrator}_error");
        await system.PublishRaw(AgentQueues.AlertsExchange, body);

        var (_, why) = await system.WaitForErrorQueueMessage($"{AgentQueues.AlertIntake}_error", marker);
        output.WriteLine(why);
        Assert.Contains(reason, why, StringComparison.Ordinal);
        Assert.Equal(errorsBefore, await QueueMessages($"{AgentQueues.Orchestrator}_error"));
        Assert.Equal(0, await system.EmergencyPages());
    }

    private async Task AssertMetricCounts()
    {
        var text = await PrometheusText.Scrape(system.Addresses("ingress"));
        var rejected = text.Sum("agents_ingress_webhooks_total", ("outcome", "rejected"));
        var accepted = text.Sum("agents_ingress_webhooks_total", ("outcome", "accepted"), ("source", "alertmanager"));
        output.WriteLine($"metrics: rejected {rejected}, accepted from alertmanager {accepted}");
        Assert.True(rejected >= 30, $"rejected webhooks counted: {rejected}");
        Assert.True(text.Sum("agents_ingress_webhooks_total", ("reason", "too_deep")) >= 2);
        Assert.True(accepted >= 2);
    }

    private async Task Expect(HttpRequestMessage request, HttpStatusCode status, string? reason)
    {
        var (actual, actualReason) = await Send(request);
        Assert.True(actual == status && (reason is null || reason == actualReason), $"expected {(int)status} {reason}, got {(int)actual} {actualReason}");
    }

    private async Task<(HttpStatusCode Status, string? Reason)> Send(HttpRequestMessage request)
    {
        using var response = await system.Ingress.SendAsync(request);
        string? reason = null;
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Json);
            reason = problem.TryGetProperty("reason", out var r) ? r.GetString() : null;
        }

        return (response.StatusCode, reason);
    }

    /// <summary>
    /// Sends <paramref name="head"/> over a plain connection to the ingress, then <paramref name="chunks"/> chunks of 64 KiB of
    /// spaces (as far as the server reads them), and reads the answer's status and problem reason.
    /// </summary>
    private async Task<(HttpStatusCode Status, string? Reason)> RawPost(string head, int chunks)
    {
        var address = system.Addresses("ingress")[0];
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(address.Host, address.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        var chunk = Encoding.ASCII.GetBytes($"10000\r\n{new string(' ', 0x10000)}\r\n");
        try
        {
            for (var i = 0; i < chunks; i++)
            {
                await stream.WriteAsync(chunk);
            }

            if (chunks > 0)
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes("0\r\n\r\n"));
            }
        }
        catch (IOException)
        {
            // The server answered and stopped reading: its answer is what counts.
        }

        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var answer = new StringBuilder();
        var buffer = new byte[8192];
        while (!answer.ToString().Contains("\"reason\"", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, cancel.Token);
            if (read == 0)
            {
                break;
            }

            answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        var text = answer.ToString();
        var status = (HttpStatusCode)int.Parse(text.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var reason = System.Text.RegularExpressions.Regex.Match(text, "\"reason\":\"([a-z_]+)\"").Groups[1].Value;
        return (status, reason);
    }

    private async Task<int> QueueMessages(string queue)
    {
        using var response = await system.Management.GetAsync($"api/queues/{Uri.EscapeDataString(system.VirtualHost)}/{queue}");
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return 0;
        }

        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return json.TryGetProperty("messages", out var count) && count.ValueKind == JsonValueKind.Number ? count.GetInt32() : 0;
    }

    internal static byte[] PagerDuty(string incidentId, string eventType) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        @event = new
        {
            id = Guid.NewGuid().ToString("N"),
            event_type = eventType,
            resource_type = "incident",
            occurred_at = DateTimeOffset.UtcNow,
            data = new
            {
                id = incidentId,
                type = "incident",
                number = 4182,
                status = eventType["incident.".Length..],
                title = "checkout-api 5xx error rate above 5% for 10 minutes",
                urgency = "high",
                service = new { id = "PK7QW2R", summary = "checkout-api", type = "service_reference" },
            },
        },
    });

    internal static (string Fingerprint, byte[] Body) Generic(string fingerprint) => (fingerprint, JsonSerializer.SerializeToUtf8Bytes(new
    {
        source = "e2e",
        service = "checkout",
        summary = "checkout latency above 2 s",
        severity = "critical",
        timestamp = DateTimeOffset.UtcNow,
        fingerprint,
    }));

    /// <summary>An Alertmanager version-4 webhook with <paramref name="alerts"/> firing alerts of <paramref name="labels"/> labels each.</summary>
    internal static string AlertmanagerBody(string fingerprint, int labels, int alerts = 1, string value = "v")
    {
        var labelText = string.Join(",", Enumerable.Range(0, labels).Select(i => i == 0 ? $"\"alertname\":\"{value}\"" : $"\"l{i}\":\"{value}\""));
        var alert = $"{{\"status\":\"firing\",\"labels\":{{{labelText}}},\"annotations\":{{\"summary\":\"{fingerprint} summary\"}},\"startsAt\":\"{DateTimeOffset.UtcNow:O}\",\"fingerprint\":\"{fingerprint}\"}}";
        return $"{{\"version\":\"4\",\"status\":\"firing\",\"receiver\":\"agents\",\"groupKey\":\"{{}}\",\"alerts\":[{string.Join(",", Enumerable.Repeat(alert, alerts))}]}}";
    }
}
