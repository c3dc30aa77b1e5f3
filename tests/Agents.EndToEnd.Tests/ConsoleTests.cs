using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Agents.Contracts;
using Agents.Contracts.Alerts;
using Agents.Contracts.Deliberation;
using Agents.Contracts.Incidents;
using Agents.Contracts.Investigation;
using Agents.Testing;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Xunit.Abstractions;

namespace Agents.EndToEnd.Tests;

/// <summary>
/// The API with the operator console, and an orchestrator only until the store's tables exist: the tests answer the
/// console's requests to the orchestrator themselves (<see cref="ConsoleOrchestrator"/>), so that every page has the
/// incident it needs: one awaiting a human's approval with a deadline, a long timeline.
/// </summary>
public sealed class ConsoleFixture() : SystemFixture(["orchestrator", "api"], new Dictionary<string, string>()), IAsyncLifetime
{
    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        await Kill("orchestrator");
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleFixture>
{
    public const string Name = "console";
}

/// <summary>
/// The operator console in a real browser (Debian's headless Chromium through chromedriver, driven by Selenium): sign-in
/// with OIDC and with an API key, the live incidents list, an incident approved and re-run, a dead letter replayed and
/// a queue purged, buttons by role, antiforgery. A screenshot of each page is kept in
/// <c>${AGENTS_STATE_DIR:-.local}/test-results/screenshots</c> (or <c>$AGENTS_TEST_RESULTS/screenshots</c>).
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleTests(ConsoleFixture system, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_operator_signs_in_with_OIDC_sees_the_incident_approves_it_and_re_runs_it_from_a_step()
    {
        await using var orchestrator = await ConsoleOrchestrator.Start(system.Broker);
        var incident = ConsoleOrchestrator.AwaitingApproval("checkout", 12);
        // Metric evidence the page draws from the fixture's real Prometheus (the context agent's), and one it cannot.
        var errors = $"sum(rate({PrometheusHistory.RequestMetric}_count{{service_name=\"{SystemFixture.EvidenceService}\",http_response_status_code=\"500\"}}[1m]))"
            + $" / sum(rate({PrometheusHistory.RequestMetric}_count{{service_name=\"{SystemFixture.EvidenceService}\"}}[1m]))";
        incident = incident with
        {
            Hypothesis = incident.Hypothesis! with
            {
                Evidence =
                [
                    .. incident.Hypothesis.Evidence.Where(e => e.Kind != "metric"),
                    new Evidence { Kind = "metric", Description = "error ratio stepped up", Source = "prometheus", Query = errors, ObservedAt = system.EvidenceStep },
                    new Evidence { Kind = "metric", Description = "a query Prometheus refuses", Source = "prometheus", Query = "sum(", ObservedAt = system.EvidenceStep },
                ],
            },
        };
        orchestrator.Add(incident);
        var id = incident.Summary.IncidentId;
        using var browser = Browser.Start(system.Api.BaseAddress!);

        browser.Go($"/ui/incidents/{id}");
        browser.WaitFor(() => browser.Driver.Url.Contains("/ui/signin", StringComparison.Ordinal), "an anonymous person to be sent to the sign-in page");
        Assert.Contains($"returnUrl=%2Fui%2Fincidents%2F{id}", browser.Driver.Url, StringComparison.Ordinal);
        Assert.Empty(browser.Driver.FindElements(By.CssSelector("nav")));
        browser.Screenshot("sign-in");

        system.Oidc.SignInAs("alice", "operator");
        var exchanged = system.Oidc.CodesExchanged;
        browser.Driver.FindElement(By.Id("oidc-signin")).Click();
        browser.WaitFor(() => browser.Driver.Url.EndsWith($"/ui/incidents/{id}", StringComparison.Ordinal), "the incident page after signing in");
        Assert.Equal(exchanged + 1, system.Oidc.CodesExchanged);
        Assert.Contains("oidc:alice (operator)", browser.Text("header"), StringComparison.Ordinal);
        Assert.Contains(incident.Summary.Title, browser.Text("h1"), StringComparison.Ordinal);
        Assert.Equal($"{SystemFixture.JaegerUrl}trace/{incident.TraceId}", browser.Driver.FindElement(By.Id("trace-link")).GetAttribute("href"));
        // The countdown runs in the page: it shows minutes and seconds left and changes as they pass.
        var countdown = browser.Driver.FindElement(By.CssSelector("[data-deadline]"));
        Assert.Matches(@"^\d+m \d\ds left$", countdown.Text);
        var first = countdown.Text;
        browser.WaitFor(() => countdown.Text != first, "the countdown to tick");
        Assert.Contains("orders-api rolled out v2.4.1", browser.Text("#approval"), StringComparison.Ordinal);
        var line = Assert.Single(browser.Driver.FindElements(By.CssSelector("figure.chart svg polyline")));
        Assert.True(line.GetAttribute("points")!.Split(' ').Length > 60, line.GetAttribute("points"));
        // The step from 0.005 to 0.2 is on the chart: its top label is the ratio after the step.
        var top = double.Parse(browser.Text("figure.chart svg text.axis"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(top, 0.15, 0.3);
        Assert.StartsWith("Series unavailable: Prometheus answered 400", browser.Text("[data-test=chart-error]"), StringComparison.Ordinal);
        browser.Screenshot("incident");

        // The approver may change a parameter within the request's choices; only what changed is sent.
        browser.Driver.FindElement(By.CssSelector("#param-to_version option[value='v2.3.9']")).Click();
        browser.Driver.FindElement(By.Id("approve-note")).SendKeys("rollback looks right");
        browser.Driver.FindElement(By.Id("approve")).Click();
        browser.WaitFor(() => browser.Has("[data-test=notice]"), "the approval's notice");
        Assert.StartsWith("Approved", browser.Text("[data-test=notice]"), StringComparison.Ordinal);
        var decision = Assert.Single(orchestrator.Received<DecideApproval>());
        Assert.Equal((id, "approve", "oidc:alice", "rollback looks right", incident.Approval!.Plan!.Hash),
            (decision.IncidentId, decision.Decision, decision.Actor, decision.Note, decision.RequestHash));
        Assert.Equal(new Dictionary<string, string> { ["to_version"] = "v2.3.9" }, decision.Parameters);

        // Re-running needs its confirmation ticked: the browser will not send the form without it.
        browser.Driver.FindElement(By.CssSelector($"#rerun-step option[value='{IncidentSteps.Investigation}']")).Click();
        browser.Driver.FindElement(By.Id("rerun")).Click();
        Assert.Empty(orchestrator.Received<RerunIncident>());
        browser.Driver.FindElement(By.Id("rerun-confirm")).Click();
        browser.Driver.FindElement(By.Id("rerun")).Click();
        browser.WaitFor(() => browser.Has("[data-test=notice]") && browser.Text("[data-test=notice]").StartsWith("Re-run", StringComparison.Ordinal),
            "the re-run's notice");
        var rerun = Assert.Single(orchestrator.Received<RerunIncident>());
        Assert.Equal((id, IncidentSteps.Investigation, "oidc:alice"), (rerun.IncidentId, rerun.FromStep, rerun.Actor));
        browser.Screenshot("incident-after-rerun");

        // Rolling a segment back has its confirmation too; acknowledging takes an optional note.
        browser.Driver.FindElement(By.CssSelector($"#rollback-segment option[value='{IncidentSegments.Hypothesis}']")).Click();
        browser.Driver.FindElement(By.Id("rollback-confirm")).Click();
        browser.Driver.FindElement(By.Id("rollback")).Click();
        browser.WaitFor(() => browser.Has("[data-test=notice]") && browser.Text("[data-test=notice]").StartsWith("Rolled back", StringComparison.Ordinal),
            "the rollback's notice");
        var rollback = Assert.Single(orchestrator.Received<RollbackSegment>());
        Assert.Equal((id, IncidentSegments.Hypothesis, "oidc:alice"), (rollback.IncidentId, rollback.Segment, rollback.Actor));
        browser.Driver.FindElement(By.Id("ack-note")).SendKeys("looking");
        browser.Driver.FindElement(By.Id("acknowledge")).Click();
        browser.WaitFor(() => browser.Has("[data-test=notice]") && browser.Text("[data-test=notice]").StartsWith("Acknowledged", StringComparison.Ordinal),
            "the acknowledgement's notice");
        Assert.Equal("looking", Assert.Single(orchestrator.Received<AcknowledgeIncident>()).Note);

        // Every action is in the audit trail under its API action name, as the person who took it.
        var rows = await system.ApiAs("admin").GetFromJsonAsync<List<JsonElement>>($"audit?actor=oidc:alice&limit=50");
        Assert.Equal(["incident.acknowledge", "incident.approval", "incident.rerun", "incident.rollback"],
            rows!.Where(r => r.GetProperty("target").GetString()!.Contains(id.ToString(), StringComparison.Ordinal))
                .Select(r => r.GetProperty("action").GetString()).Order());
    }

    [Fact]
    public async Task The_incidents_list_filters_and_shows_a_new_incident_without_a_reload()
    {
        await using var orchestrator = await ConsoleOrchestrator.Start(system.Broker);
        var service = $"live-{Guid.NewGuid():N}"[..12];
        var first = ConsoleOrchestrator.AwaitingApproval(service, 5);
        orchestrator.Add(first);
        orchestrator.Add(ConsoleOrchestrator.AwaitingApproval("another-service", 5));
        using var browser = Browser.Start(system.Api.BaseAddress!);
        browser.SignInWithKey(system.ApiKeys["viewer"]);

        browser.Go($"/ui/?service={service}");
        browser.WaitFor(() => browser.Text("[data-live-state]").StartsWith("Live", StringComparison.Ordinal), "the live stream to open");
        Assert.Single(browser.Driver.FindElements(By.CssSelector("#incident-rows tr[data-incident]")));
        Assert.Contains(first.Summary.Title, browser.Text("#incident-rows"), StringComparison.Ordinal);
        Assert.Contains("AwaitingApproval", browser.Text("#incident-rows"), StringComparison.Ordinal);

        var second = ConsoleOrchestrator.AwaitingApproval(service, 5);
        orchestrator.Add(second);
        browser.WaitFor(() => browser.Text("#incident-rows").Contains(second.Summary.Title, StringComparison.Ordinal), "the new incident to appear live");
        Assert.Equal(2, browser.Driver.FindElements(By.CssSelector("#incident-rows tr[data-incident]")).Count);
        browser.Screenshot("incidents");

        // A viewer reads the incident but is offered no button that would change it.
        browser.Driver.FindElement(By.LinkText(second.Summary.Title)).Click();
        browser.WaitFor(() => browser.Driver.Url.EndsWith($"/ui/incidents/{second.Summary.IncidentId}", StringComparison.Ordinal), "the incident page");
        Assert.Empty(browser.Driver.FindElements(By.CssSelector("#approve, #deny, #rerun, #rollback, #acknowledge, #resolve")));
        Assert.Contains("apikey:e2e-viewer (viewer)", browser.Text("header"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_admin_replays_one_dead_letter_then_all_and_purges_a_queue_only_after_typing_its_name()
    {
        var queue = AgentQueues.Triage;
        var (replayed, kept, other) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        await using (var channel = await system.Broker.CreateChannelAsync(new CreateChannelOptions(true, true)))
        {
            // The triage service does not run here: its queue and error queue are made as MassTransit makes them.
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
            await channel.QueueDeclareAsync(DeadLetterQueueName(queue), durable: true, exclusive: false, autoDelete: false);
            await channel.QueuePurgeAsync(queue);
            await channel.QueuePurgeAsync(DeadLetterQueueName(queue));
        }

        await DeadLetter(queue, replayed, kept, other);
        using var browser = Browser.Start(system.Api.BaseAddress!);
        browser.SignInWithKey(system.ApiKeys["admin"], "/ui/dead-letters");
        Assert.Equal("3", browser.Driver.FindElement(By.CssSelector($"tr[data-queue='{queue}'] td:nth-child(3)")).Text);
        browser.Screenshot("dead-letters");
        browser.Driver.FindElement(By.LinkText(queue)).Click();
        browser.WaitFor(() => browser.Driver.FindElements(By.CssSelector("article.letter")).Count == 3, "the three dead letters");
        Assert.Contains($"System.FormatException: unreadable triage command {replayed}",
            browser.Text($"article[data-message='{replayed}']"), StringComparison.Ordinal);
        browser.Screenshot("dead-letter-queue");

        browser.Driver.FindElement(By.CssSelector($"article[data-message='{replayed}'] button.replay")).Click();
        browser.WaitFor(() => browser.Has("[data-test=notice]"), "the replay's notice");
        Assert.Equal(new[] { kept, other }.Order(), browser.Driver.FindElements(By.CssSelector("article.letter")).Select(a => a.GetAttribute("data-message")).Order());
        Assert.Equal(1u, await MessageCount(queue));

        browser.Driver.FindElement(By.Id("replay-all")).Click();
        browser.WaitFor(() => browser.Driver.FindElements(By.CssSelector("article.letter")).Count == 0, "every dead letter to be replayed");
        Assert.Equal((3u, 0u), (await MessageCount(queue), await MessageCount(DeadLetterQueueName(queue))));

        // Purging takes the queue's name typed in: anything else is refused and leaves the messages.
        var doomed = Guid.NewGuid().ToString();
        await DeadLetter(queue, doomed);
        browser.Go($"/ui/dead-letters/{queue}");
        browser.Driver.FindElement(By.Id("confirm-queue")).SendKeys("not-the-queue");
        browser.Driver.FindElement(By.Id("purge")).Click();
        browser.WaitFor(() => browser.Has("[data-test=error]"), "the purge to be refused");
        Assert.Equal(1u, await MessageCount(DeadLetterQueueName(queue)));
        browser.Driver.FindElement(By.Id("confirm-queue")).SendKeys(queue);
        browser.Driver.FindElement(By.Id("purge")).Click();
        browser.WaitFor(() => browser.Has("[data-test=notice]"), "the purge's notice");
        Assert.Equal(0u, await MessageCount(DeadLetterQueueName(queue)));
        Assert.Empty(browser.Driver.FindElements(By.CssSelector("article.letter")));
    }

    /// <summary>Puts messages in <paramref name="queue"/>'s error queue as MassTransit leaves them (fault headers).</summary>
    private async Task DeadLetter(string queue, params string[] messageIds)
    {
        await using var channel = await system.Broker.CreateChannelAsync(new CreateChannelOptions(true, true));
        foreach (var messageId in messageIds)
        {
            await channel.BasicPublishAsync("", DeadLetterQueueName(queue), mandatory: true, new BasicProperties
            {
                Persistent = true, MessageId = messageId, ContentType = "application/vnd.masstransit+json",
                Headers = new Dictionary<string, object?>
                {
                    ["MT-Fault-ExceptionType"] = "System.FormatException",
                    ["MT-Fault-Message"] = $"unreadable triage command {messageId}",
                },
            }, Encoding.UTF8.GetBytes($"{{\"message\": {{\"incidentId\": \"{messageId}\"}}}}"));
        }
    }

    [Fact]
    public async Task Anonymous_requests_get_the_sign_in_page_forms_need_their_antiforgery_token_and_keys_are_checked_as_the_API_does()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() })
        {
            BaseAddress = system.Api.BaseAddress,
        };
        foreach (var path in new[] { "ui/", $"ui/incidents/{Guid.NewGuid()}", "ui/dead-letters", "ui/incidents/live" })
        {
            using var response = await http.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.AbsolutePath == "/ui/signin", $"{path}: {response.StatusCode}");
        }

        using (var root = await http.GetAsync(""))
        {
            Assert.Equal("/ui/", root.Headers.Location?.OriginalString);
        }

        // A form without its token is refused before anything looks at the key.
        using (var forged = await http.PostAsync("ui/signin", new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = system.ApiKeys["admin"] })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        }

        var page = await http.GetStringAsync("ui/signin");
        var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(token);
        using (var wrong = await http.PostAsync("ui/signin", Form(token, "not-a-key-of-this-api")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.Contains("not an API key this API knows", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var right = await http.PostAsync("ui/signin", Form(token, system.ApiKeys["operator"])))
        {
            Assert.Equal((HttpStatusCode.Redirect, "/ui/"), (right.StatusCode, right.Headers.Location?.OriginalString));
        }

        // Signing out is a form too: without its token it is refused.
        using (var signOut = await http.PostAsync("ui/signout", new FormUrlEncodedContent(new Dictionary<string, string>())))
        {
            Assert.Equal(HttpStatusCode.BadRequest, signOut.StatusCode);
        }

        // Signed in as an operator: the dead letters' messages are an admin's.
        using (var messages = await http.GetAsync($"ui/dead-letters/{AgentQueues.Triage}"))
        {
            Assert.Equal(HttpStatusCode.Redirect, messages.StatusCode);
            Assert.StartsWith("/ui/forbidden", messages.Headers.Location!.AbsolutePath, StringComparison.Ordinal);
        }

        // The console is no part of the JSON API's description.
        var document = await system.ApiAs("viewer").GetStringAsync("openapi/v1.json");
        Assert.DoesNotContain("/ui/", document, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_segments_versions_are_compared_line_by_line_and_a_deliberation_shows_every_stance_by_round_and_participant()
    {
        await using var orchestrator = await ConsoleOrchestrator.Start(system.Broker);
        var incident = ConsoleOrchestrator.AwaitingApproval("diff", 12);
        var id = incident.Summary.IncidentId;
        orchestrator.Add(incident);
        var at = DateTimeOffset.UtcNow;
        orchestrator.Add(id, IncidentSegments.Hypothesis,
        [
            new SegmentRevision { Segment = IncidentSegments.Hypothesis, Version = 1, At = at.AddMinutes(-2), Step = IncidentSteps.Investigation, Attempt = 1, Change = "written",
                Value = JsonSerializer.SerializeToElement(new { category = "dependency", confidence = 0.4, dependency = "payments" }) },
            new SegmentRevision { Segment = IncidentSegments.Hypothesis, Version = 2, At = at.AddMinutes(-1), Step = IncidentSteps.Investigation, Attempt = 2, Change = "written",
                Value = JsonSerializer.SerializeToElement(new { category = "regression", confidence = 0.4, dependency = "payments" }) },
        ]);
        var deliberation = new DeliberationDetails
        {
            DeliberationId = incident.Approval!.DeliberationId, Kind = RemediationApproval.Kind, Status = DeliberationStatuses.Decided,
            Summary = $"approval of the rollback of {id}", Subject = JsonSerializer.SerializeToElement(new { incidentId = id }),
            Participants = ["safety", "change-policy", "blast-radius"], Threshold = 2, MaxRounds = 2, Round = 2, Decision = "approve", Confidence = 0.8,
            CreatedAt = at.AddMinutes(-3), UpdatedAt = at,
            Rounds =
            [
                new DeliberationRound { Round = 1, TimedOut = true, StartedAt = at.AddMinutes(-3), EndedAt = at.AddMinutes(-2), Stances =
                [
                    new Stance { Participant = "safety", Decision = "approve", Confidence = 0.9, Reason = "a rollback to a known good version" },
                    new Stance { Participant = "change-policy", Decision = "deny", Confidence = 0.6, Reason = "inside the change freeze" },
                    new Stance { Participant = "blast-radius", Silent = true },
                ] },
                new DeliberationRound { Round = 2, TimedOut = false, StartedAt = at.AddMinutes(-2), EndedAt = at.AddMinutes(-1), Stances =
                [
                    new Stance { Participant = "safety", Decision = "approve", Confidence = 0.9, Reason = "still a rollback" },
                    new Stance { Participant = "change-policy", Decision = "approve", Confidence = 0.7, Reason = "emergency exception granted" },
                    new Stance { Participant = "blast-radius", Decision = "approve", Confidence = 0.8, Reason = "one deployment" },
                ] },
            ],
        };
        orchestrator.Add(deliberation);
        using var browser = Browser.Start(system.Api.BaseAddress!);
        browser.SignInWithKey(system.ApiKeys["viewer"], $"/ui/incidents/{id}");

        browser.Driver.FindElement(By.PartialLinkText(IncidentSegments.Hypothesis)).Click();
        browser.WaitFor(() => browser.Has("pre.diff"), "the segment's diff");
        Assert.Equal(["-   \"category\": \"dependency\","], browser.Driver.FindElements(By.CssSelector("pre.diff .del")).Select(e => e.Text.Trim()));
        Assert.Equal(["+   \"category\": \"regression\","], browser.Driver.FindElements(By.CssSelector("pre.diff .add")).Select(e => e.Text.Trim()));
        browser.Screenshot("segment-diff");

        browser.Go($"/ui/incidents/{id}");
        browser.Driver.FindElement(By.LinkText("The deliberation, round by round")).Click();
        browser.WaitFor(() => browser.Has("table.grid"), "the deliberation's grid");
        var cells = browser.Driver.FindElements(By.CssSelector("table.grid tbody tr"))
            .Select(row => row.FindElements(By.CssSelector("th, td")).Select(c => c.Text.Replace("\n", " ", StringComparison.Ordinal)).ToList()).ToList();
        Assert.Equal(2, cells.Count);
        Assert.Equal(["1 (timed out)", "approve (0.90) a rollback to a known good version", "deny (0.60) inside the change freeze", "silent"], cells[0]);
        Assert.Equal("approve (0.70) emergency exception granted", cells[1][2]);
        browser.Screenshot("deliberation");
        browser.Go("/ui/deliberations");
        Assert.Contains(deliberation.Summary, browser.Text("main"), StringComparison.Ordinal);
    }

    [Fact]
    public void An_admin_reads_the_audit_trail_and_verifies_its_chain_and_a_viewer_may_not()
    {
        using var browser = Browser.Start(system.Api.BaseAddress!);
        browser.SignInWithKey(system.ApiKeys["viewer"], "/ui/dead-letters");
        Assert.Empty(browser.Driver.FindElements(By.LinkText("Audit trail")));
        browser.Go("/ui/audit");
        browser.WaitFor(() => browser.Driver.Url.Contains("/ui/forbidden", StringComparison.Ordinal), "a viewer to be refused the audit trail");

        browser.Driver.FindElement(By.CssSelector("form.who button")).Click();
        browser.WaitFor(() => browser.Driver.Url.Contains("/ui/signin", StringComparison.Ordinal), "signing out");
        browser.SignInWithKey(system.ApiKeys["admin"], "/ui/dead-letters");
        browser.Driver.FindElement(By.LinkText("Audit trail")).Click();
        browser.WaitFor(() => browser.Has("#verify"), "the audit trail");
        browser.Driver.FindElement(By.Id("verify")).Click();
        browser.WaitFor(() => browser.Has("[data-test=verification]"), "the chain's verification");
        Assert.StartsWith("Intact:", browser.Text("[data-test=verification]"), StringComparison.Ordinal);
        // The viewer's refused look at the audit trail is one of its rows.
        Assert.Contains("apikey:e2e-viewer", browser.Text("table"), StringComparison.Ordinal);
        browser.Screenshot("audit");
    }

    /// <summary>
    /// The figure of an incident with 500 timeline entries, as a browser gets it: navigation start to the load event,
    /// through sign-in, the orchestrator's answer and the render. Reported (test output and screenshots/console-render.txt), not asserted.
    /// </summary>
    [Fact]
    public async Task An_incident_with_500_timeline_entries_renders_every_entry()
    {
        await using var orchestrator = await ConsoleOrchestrator.Start(system.Broker);
        var incident = ConsoleOrchestrator.AwaitingApproval("long", 500);
        orchestrator.Add(incident);
        using var browser = Browser.Start(system.Api.BaseAddress!);
        browser.SignInWithKey(system.ApiKeys["operator"], $"/ui/incidents/{incident.Summary.IncidentId}");
        var figures = new List<double>();
        for (var run = 0; run < 5; run++)
        {
            browser.Go($"/ui/incidents/{incident.Summary.IncidentId}");
            Assert.Equal(500, browser.Driver.FindElements(By.CssSelector("table.timeline tbody tr")).Count);
            figures.Add(Convert.ToDouble(browser.Driver.ExecuteScript(
                "const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime;"), System.Globalization.CultureInfo.InvariantCulture));
        }

        var line = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"incident page with 500 timeline entries in Chromium, navigation to load: first {figures[0]:0} ms, median of the next {figures.Count - 1}: {figures.Skip(1).Order().ElementAt((figures.Count - 1) / 2):0} ms");
        output.WriteLine(line);
        browser.Report("console-render.txt", line);
        browser.Screenshot("incident-500");
    }

    private static FormUrlEncodedContent Form(string token, string key) =>
        new(new Dictionary<string, string> { ["__RequestVerificationToken"] = token, ["key"] = key });

    private static string DeadLetterQueueName(string queue) => $"{queue}_error";

    private async Task<uint> MessageCount(string queue)
    {
        await using var channel = await system.Broker.CreateChannelAsync();
        return await channel.MessageCountAsync(queue);
    }

    /// <summary>Headless Chromium at a small laptop's width (1024 px); screenshots go to the test results.</summary>
    private sealed class Browser : IDisposable
    {
        private readonly Uri _base;

        private Browser(ChromeDriver driver, Uri baseAddress)
        {
            Driver = driver;
            _base = baseAddress;
        }

        public ChromeDriver Driver { get; }

        public static Browser Start(Uri baseAddress)
        {
            var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
            options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1024,768");
            var service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
            service.SuppressInitialDiagnosticInformation = true;
            service.HideCommandPromptWindow = true;
            var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
            driver.Manage().Timeouts().PageLoad = TimeSpan.FromSeconds(30);
            return new Browser(driver, baseAddress);
        }

        public void Go(string path) => Driver.Navigate().GoToUrl(new Uri(_base, path));

        /// <summary>Signs in with an API key on the sign-in page, which then goes on to <paramref name="then"/>.</summary>
        public void SignInWithKey(string key, string then = "/ui/")
        {
            Go($"/ui/signin?returnUrl={Uri.EscapeDataString(then)}");
            Driver.FindElement(By.Id("key")).SendKeys(key);
            Driver.FindElement(By.Id("key-signin")).Click();
            WaitFor(() => Driver.Url.EndsWith(then, StringComparison.Ordinal), $"{then} after signing in");
        }

        public bool Has(string css) => Driver.FindElements(By.CssSelector(css)).Count > 0;

        public string Text(string css) => Driver.FindElement(By.CssSelector(css)).Text;

        /// <summary>Waits for <paramref name="condition"/>, polling, at most <see cref="Patience"/>; fails naming what was awaited and the page.</summary>
        public void WaitFor(Func<bool> condition, string what)
        {
            var wait = new WebDriverWait(Driver, Patience) { PollingInterval = TimeSpan.FromMilliseconds(100) };
            wait.IgnoreExceptionTypes(typeof(NoSuchElementException), typeof(StaleElementReferenceException));
            try
            {
                wait.Until(_ => condition());
            }
            catch (WebDriverTimeoutException)
            {
                Assert.Fail($"timed out waiting for {what} at {Driver.Url}:{Environment.NewLine}{Driver.FindElement(By.TagName("body")).Text}");
            }
        }

        public void Report(string file, string line)
        {
            Directory.CreateDirectory(ScreenshotDirectory());
            File.WriteAllText(Path.Combine(ScreenshotDirectory(), file), line + Environment.NewLine);
        }

        /// <summary>Keeps a picture of the page, after checking that each of its form controls has a label.</summary>
        public void Screenshot(string name)
        {
            var unlabelled = (System.Collections.ObjectModel.ReadOnlyCollection<object>?)Driver.ExecuteScript(
                "return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]"
                + ".filter(c => c.labels.length === 0 && !c.getAttribute('aria-label')).map(c => c.outerHTML);");
            Assert.True(unlabelled is null || unlabelled.Count == 0, $"{name}: form controls without a label: {string.Join(", ", unlabelled ?? [])}");
            // Usable at a small laptop's width: the page itself never scrolls sideways (wide tables scroll in their own box).
            var overflow = Convert.ToInt64(Driver.ExecuteScript("return document.documentElement.scrollWidth - document.documentElement.clientWidth;"),
                System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(overflow <= 0, $"{name}: the page is {overflow} px wider than the window");
            var directory = ScreenshotDirectory();
            Directory.CreateDirectory(directory);
            // The whole page (up to a bound), at the laptop's width.
            var height = Convert.ToInt32(Driver.ExecuteScript("return document.documentElement.scrollHeight;"), System.Globalization.CultureInfo.InvariantCulture);
            var size = Driver.Manage().Window.Size;
            Driver.Manage().Window.Size = new System.Drawing.Size(size.Width, Math.Clamp(height + 120, size.Height, 5000));
            Driver.GetScreenshot().SaveAsFile(Path.Combine(directory, $"console-{name}.png"));
            Driver.Manage().Window.Size = size;
        }

        private static string ScreenshotDirectory() =>
            Environment.GetEnvironmentVariable("AGENTS_TEST_RESULTS") is { Length: > 0 } results
                ? Path.Combine(results, "screenshots")
                : Path.Combine(Environment.GetEnvironmentVariable("AGENTS_STATE_DIR") is { Length: > 0 } state ? state : Path.Combine(TestEnvironment.RepositoryRoot, ".local"),
                    "test-results", "screenshots");

        public void Dispose()
        {
            Driver.Quit();
            Driver.Dispose();
        }
    }
}

/// <summary>
/// The orchestrator's side of the console's requests, over the broker as MassTransit speaks it: it answers
/// <see cref="ListIncidents"/> and <see cref="GetIncident"/> from the incidents it was given and accepts every operator
/// command on them (recording it), answering not found for any other incident.
/// </summary>
internal sealed class ConsoleOrchestrator : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly Type[] Requests =
        [typeof(ListIncidents), typeof(GetIncident), typeof(GetSegmentHistory), typeof(ListDeliberations), typeof(GetDeliberation), typeof(DecideApproval), typeof(RerunIncident), typeof(RollbackSegment), typeof(AcknowledgeIncident), typeof(ResolveIncident)];

    private readonly IChannel _channel;
    private readonly ConcurrentDictionary<Guid, IncidentDetails> _incidents = new();
    private readonly ConcurrentQueue<object> _received = new();
    private readonly ConcurrentDictionary<(Guid, string), IReadOnlyList<SegmentRevision>> _segments = new();
    private readonly ConcurrentDictionary<Guid, DeliberationDetails> _deliberations = new();

    public void Add(Guid incidentId, string segment, IReadOnlyList<SegmentRevision> revisions) => _segments[(incidentId, segment)] = revisions;

    public void Add(DeliberationDetails deliberation) => _deliberations[deliberation.DeliberationId] = deliberation;

    private ConsoleOrchestrator(IChannel channel) => _channel = channel;

    public void Add(IncidentDetails incident) => _incidents[incident.Summary.IncidentId] = incident;

    public IReadOnlyList<T> Received<T>() => [.. _received.OfType<T>()];

    public static async Task<ConsoleOrchestrator> Start(IConnection broker)
    {
        var channel = await broker.CreateChannelAsync();
        var fake = new ConsoleOrchestrator(channel);
        var queue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        foreach (var type in Requests)
        {
            // The exchange MassTransit publishes the message type to (it declares the same one).
            var exchange = $"{type.Namespace}:{type.Name}";
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
            await channel.QueueBindAsync(queue, exchange, "");
        }

        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) => fake.Answer(delivery);
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        return fake;
    }

    /// <summary>An incident waiting for a human's approval of a rollback, with <paramref name="timelineEntries"/> timeline entries.</summary>
    public static IncidentDetails AwaitingApproval(string service, int timelineEntries)
    {
        var id = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        var hypothesis = new Hypothesis
        {
            Category = "regression", Summary = $"{service} error rate rose right after v2.4.1 rolled out", Confidence = 0.9, ErrorsObserved = true,
            SuspectVersion = "v2.4.1", LastGoodVersion = "v2.4.0",
            Evidence =
            [
                new Evidence { Kind = "deploy", Description = "orders-api rolled out v2.4.1 6 minutes before the alert", Source = "deploys" },
                new Evidence { Kind = "metric", Description = "5xx ratio 0.2 (was 0.005)", Source = "prometheus", Query = $"sum(rate(http_requests_total{{service=\"{service}\",code=~\"5..\"}}[5m]))" },
            ],
        };
        var segments = new[] { IncidentSegments.Alert, IncidentSegments.Context, IncidentSegments.Hypothesis };
        return new IncidentDetails
        {
            Summary = new IncidentSummary
            {
                IncidentId = id, Status = IncidentStatuses.AwaitingApproval, Severity = Severities.Critical, Service = service,
                Fingerprint = id.ToString("N")[..16], Title = $"{service}: error rate {id.ToString("N")[..6]}", AlertCount = 1,
                CreatedAt = now.AddMinutes(-10), UpdatedAt = now,
            },
            TraceId = id.ToString("N"),
            Alert = new AlertPayload { Format = "prometheus", Source = "alertmanager", Fingerprint = id.ToString("N")[..16], Summary = "error rate high", OccurredAt = now.AddMinutes(-10) },
            Hypothesis = hypothesis,
            Approval = new RemediationApprovalRecord
            {
                DeliberationId = RemediationApproval.DeliberationId(id, 1), Kind = "human", Request = 1, Status = RemediationApprovalStatuses.Pending,
                RequestedAt = now.AddMinutes(-1), Timeout = TimeSpan.FromMinutes(30),
                Plan = new RemediationApprovalPlan
                {
                    ActionId = "rollback-deployment", Description = "Roll the deployment back to the last good version",
                    Parameters = new Dictionary<string, string> { ["to_version"] = "v2.4.0" }, Target = $"kubernetes prod/{service} deployment/{service}",
                    Choices = [new Contracts.Remediation.ParameterChoice { Name = "to_version", Type = "version", Values = ["v2.4.0", "v2.3.9"] }],
                    Steps = ["kubectl rollout undo", "wait for the rollout"], Rationale = "a regression with a known last good version",
                    Hypothesis = "regression (0.90)", Evidence = [.. hypothesis.Evidence.Select(e => e.Description)],
                    Deadline = now.AddMinutes(29), Hash = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()),
                },
            },
            Timeline = [.. Enumerable.Range(0, timelineEntries).Select(i => new TimelineEntry
            {
                At = now.AddMinutes(-10).AddSeconds(i), Step = IncidentSteps.Agents[i % IncidentSteps.Agents.Count], Attempt = 1 + i / 100,
                Event = i % 2 == 0 ? "dispatched" : "completed", Detail = $"entry {i} of the incident's timeline",
                Segment = i % 2 == 1 ? segments[i / 2 % segments.Length] : null, SegmentVersion = i % 2 == 1 ? 1 + i / 6 : null,
            })],
        };
    }

    private async Task Answer(BasicDeliverEventArgs delivery)
    {
        var envelope = JsonNode.Parse(Encoding.UTF8.GetString(delivery.Body.Span))!;
        var urn = envelope["messageType"]![0]!.GetValue<string>();
        var request = Requests.Single(t => urn == $"urn:message:{t.Namespace}:{t.Name}");
        var message = envelope["message"].Deserialize(request, Json)!;
        _received.Enqueue(message);
        (Type Type, object Message) answer = message switch
        {
            ListIncidents list => (typeof(IncidentList), new IncidentList
            {
                Items = [.. _incidents.Values.Select(i => i.Summary).Where(s => list.Status is null || s.Status == list.Status)
                    .OrderByDescending(s => s.UpdatedAt).Take(list.Limit)],
            }),
            GetIncident get => _incidents.TryGetValue(get.IncidentId, out var found)
                ? (typeof(IncidentDetails), found)
                : (typeof(IncidentNotFound), new IncidentNotFound { IncidentId = get.IncidentId }),
            GetSegmentHistory history => _segments.TryGetValue((history.IncidentId, history.Segment), out var revisions)
                ? (typeof(SegmentHistory), new SegmentHistory { IncidentId = history.IncidentId, Segment = history.Segment, Revisions = revisions })
                : (typeof(IncidentNotFound), new IncidentNotFound { IncidentId = history.IncidentId }),
            ListDeliberations => (typeof(DeliberationList), new DeliberationList
            {
                Items = [.. _deliberations.Values.Select(d => new DeliberationSummary
                {
                    DeliberationId = d.DeliberationId, Kind = d.Kind, Status = d.Status, Summary = d.Summary, Subject = d.Subject, Round = d.Round,
                    Decision = d.Decision, Confidence = d.Confidence, Reason = d.Reason, CreatedAt = d.CreatedAt, UpdatedAt = d.UpdatedAt,
                })],
            }),
            GetDeliberation get => _deliberations.TryGetValue(get.DeliberationId, out var deliberation)
                ? (typeof(DeliberationDetails), deliberation)
                : (typeof(DeliberationNotFound), new DeliberationNotFound { DeliberationId = get.DeliberationId }),
            _ => IncidentOf(message) is var id && _incidents.ContainsKey(id)
                ? (typeof(OperatorCommandAccepted), new OperatorCommandAccepted { IncidentId = id, Detail = $"{request.Name} accepted" })
                : (typeof(IncidentNotFound), new IncidentNotFound { IncidentId = id }),
        };
        var response = new JsonObject
        {
            ["messageId"] = Guid.NewGuid(),
            ["requestId"] = envelope["requestId"]!.GetValue<string>(),
            ["conversationId"] = envelope["conversationId"]?.GetValue<string>(),
            ["destinationAddress"] = envelope["responseAddress"]!.GetValue<string>(),
            ["messageType"] = new JsonArray($"urn:message:{answer.Type.Namespace}:{answer.Type.Name}"),
            ["message"] = JsonSerializer.SerializeToNode(answer.Message, answer.Type, Json),
            ["sentTime"] = DateTime.UtcNow,
            ["headers"] = new JsonObject(),
        };
        // The response address is the requester's own endpoint: rabbitmq://host/vhost/<exchange>?temporary=true.
        var replyTo = new Uri(envelope["responseAddress"]!.GetValue<string>()).Segments[^1];
        await _channel.BasicPublishAsync(replyTo, "", mandatory: false,
            new BasicProperties { ContentType = "application/vnd.masstransit+json", MessageId = response["messageId"]!.ToString() },
            Encoding.UTF8.GetBytes(response.ToJsonString()));
    }

    private static Guid IncidentOf(object command) => command switch
    {
        DecideApproval c => c.IncidentId,
        RerunIncident c => c.IncidentId,
        RollbackSegment c => c.IncidentId,
        AcknowledgeIncident c => c.IncidentId,
        ResolveIncident c => c.IncidentId,
        _ => Guid.Empty,
    };

    public async ValueTask DisposeAsync()
    {
        await _channel.CloseAsync();
        await _channel.DisposeAsync();
    }
}
