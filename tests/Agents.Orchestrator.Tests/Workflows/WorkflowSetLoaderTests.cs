using System.Text.Json;
using Agents.Contracts;
using Agents.Hosting;
using Agents.Orchestrator.Workflows;

namespace Agents.Orchestrator.Tests.Workflows;

public sealed class WorkflowSetLoaderTests
{
    private const string Critical = Severities.Critical;

    [Fact]
    public void The_shipped_file_has_three_workflows_routed_by_rules()
    {
        var path = RepositoryFiles.Resolve("deploy/workflows.yaml");

        var set = WorkflowLoader.LoadSet(path);

        Assert.Equal(["incident-response", "notify-only", "human-approved"], set.Workflows.Keys);
        Assert.Equal("incident-response", set.DefaultWorkflow);
        Assert.Equal(WorkflowLoader.Version(File.ReadAllText(path)), set.Version);
        Assert.Equal(IncidentSteps.Agents, set.Workflows["incident-response"].Sequence.Select(s => s.Name));
        Assert.Null(set.Workflows["incident-response"].HumanApprovalTimeout);

        var notifyOnly = set.Workflows["notify-only"];
        Assert.Equal([IncidentSteps.Triage, IncidentSteps.Context, IncidentSteps.Notification], notifyOnly.Sequence.Select(s => s.Name));
        Assert.Equal(notifyOnly.Sequence.Select(s => s.Name).Order(), notifyOnly.Steps.Keys.Order());

        var approved = set.Workflows["human-approved"];
        Assert.Equal(
            [IncidentSteps.Triage, IncidentSteps.Context, IncidentSteps.Investigation, "change-freeze", IncidentSteps.Remediation, IncidentSteps.Notification],
            approved.Sequence.Select(s => s.Name));
        Assert.Equal(TimeSpan.FromMinutes(30), approved.HumanApprovalTimeout);
        Assert.Null(approved.Approval);
        Assert.Equal(new StepPolicy(TimeSpan.FromMinutes(30), 1), approved.Step(IncidentSteps.Approval));
        var freeze = approved.Find("change-freeze")!;
        Assert.False(freeze.IsBuiltIn);
        Assert.Equal("change-freeze", freeze.Agent);
        Assert.Equal(new StepPolicy(TimeSpan.FromSeconds(10), 2), approved.Step("change-freeze"));
        Assert.Equal([Critical, Severities.High], freeze.When!.Severity);
        var window = freeze.Settings!.Value.GetProperty("windows")[0];
        Assert.Equal("year-end-freeze", window.GetProperty("name").GetString());
        Assert.True(window.GetProperty("end").GetDateTimeOffset() < DateTimeOffset.UtcNow, "the shipped freeze window is in the past");
        Assert.Equal(["payments", "payments-db"], window.GetProperty("services").EnumerateArray().Select(s => s.GetString()));

        Assert.Equal(["security-alerts", "payments-db"], set.Routes.Select(r => r.Name));
        Assert.Equal(("notify-only", "security-alerts"), Route(set, new IncidentFacts { Service = "payments-db", Labels = Labels("category", "compliance") }));
        Assert.Equal(("human-approved", "payments-db"), Route(set, new IncidentFacts { Service = "payments-db" }));
        Assert.Equal(("incident-response", "default"), Route(set, new IncidentFacts { Tier = "critical", Environment = "production" }));
        Assert.Equal(("incident-response", "default"), Route(set, new IncidentFacts { Tier = "critical", Environment = "staging" }));
        Assert.Equal(("incident-response", "default"), Route(set, new IncidentFacts { Labels = Labels("category", "performance") }));
    }

    [Fact]
    public void The_first_rule_that_matches_wins_and_each_field_kind_is_matched()
    {
        var set = WorkflowLoader.ParseSet(
            """
            routing:
              rules:
                - name: by-severity
                  match: { severity: critical }
                  workflow: c
                - match: { source: [pagerduty], format: [pagerduty, generic] }
                  workflow: b
                - match: { service: [api, web], labels: { region: eu, tier: [gold, silver] } }
                  workflow: c
                - match: { team: payments, tier: [standard], environment: production }
                  workflow: b
              default: a
            workflows:
              a: {}
              b: {}
              c: {}
            """, "rules.yaml");

        Assert.Equal(["by-severity", "routing.rules[1]", "routing.rules[2]", "routing.rules[3]"], set.Routes.Select(r => r.Name));
        Assert.Equal(("c", "by-severity"), Route(set, new IncidentFacts { Severity = Critical, Source = "pagerduty", Format = "pagerduty" }));
        Assert.Equal(("b", "routing.rules[1]"), Route(set, new IncidentFacts { Severity = "high", Source = "pagerduty", Format = "generic" }));
        Assert.Equal(("a", "default"), Route(set, new IncidentFacts { Source = "pagerduty", Format = "alertmanager" }));
        Assert.Equal(("c", "routing.rules[2]"), Route(set, new IncidentFacts { Service = "web", Labels = Labels("region", "eu", "tier", "silver") }));
        Assert.Equal(("a", "default"), Route(set, new IncidentFacts { Service = "web", Labels = Labels("region", "us", "tier", "silver") }));
        Assert.Equal(("a", "default"), Route(set, new IncidentFacts { Service = "web", Labels = Labels("region", "eu") }));
        Assert.Equal(("b", "routing.rules[3]"), Route(set, new IncidentFacts { Team = "payments", Tier = "standard", Environment = "production" }));
        Assert.Equal(("a", "default"), Route(set, new IncidentFacts { Team = "payments", Tier = "critical", Environment = "production" }));
        Assert.Equal(["region", "tier"], set.Routes[2].Match.Labels!.Keys);
        Assert.Equal(["gold", "silver"], set.Routes[2].Match.Labels!["tier"]);
        Assert.Equal(["eu"], set.Routes[2].Match.Labels!["region"]);
    }

    [Fact]
    public void Without_routing_the_default_is_incident_response_or_the_only_workflow()
    {
        var both = WorkflowLoader.ParseSet("workflows:\n  quiet: {}\n  incident-response: {}\n", "two.yaml");
        var only = WorkflowLoader.ParseSet("workflows:\n  quiet: {}\n", "one.yaml");
        var rulesOnly = WorkflowLoader.ParseSet("routing:\n  rules: []\nworkflows:\n  quiet: {}\n", "one.yaml");
        var neither = Assert.Throws<WorkflowConfigurationException>(() => WorkflowLoader.ParseSet("workflows:\n  a: {}\n  b: {}\n", "ab.yaml"));

        Assert.Equal("incident-response", both.DefaultWorkflow);
        Assert.Empty(both.Routes);
        Assert.Equal("quiet", only.DefaultWorkflow);
        Assert.Equal("quiet", rulesOnly.DefaultWorkflow);
        Assert.Equal(("quiet", "default"), Route(only, new IncidentFacts()));
        Assert.Contains("line 2, column 3: workflows: several workflows and none named incident-response: add routing.default", neither.Message);
    }

    [Fact]
    public void Plug_in_steps_run_in_file_order_with_their_agent_settings_and_condition()
    {
        var workflow = WorkflowLoader.Parse(
            """
            workflows:
              w:
                steps:
                  triage: {}
                  enrich:
                  context: {}
                  investigation: {}
                  freeze-check:
                    agent: change-freeze
                    timeout: 5s
                    attempts: 3
                    onExhausted: fail
                    when: { severity: [critical, high], labels: { team: db } }
                    settings:
                      count: 3
                      ratio: -1.5e3
                      big: 12345678901234567890123
                      on: true
                      off: False
                      none: ~
                      quoted: "42"
                      single: 'true'
                      text: 2026-12-20T00:00:00Z
                      version: 1.2.3
                      nested: { list: [1, two, { deep: null }], empty: [] }
                  remediation: {}
                  notification: {}
            """, "w", "plugins.yaml");

        Assert.Equal(["triage", "enrich", "context", "investigation", "freeze-check", "remediation", "notification"], workflow.Sequence.Select(s => s.Name));
        Assert.Equal(workflow.Sequence.Select(s => s.Name).Order(), workflow.Steps.Keys.Order());
        var enrich = workflow.Find("enrich")!;
        Assert.Equal(("enrich", null, null), (enrich.Agent, enrich.Settings, enrich.When));
        Assert.Equal(WorkflowLoader.PluginStepDefault, workflow.Step("enrich"));
        Assert.Equal(new StepPolicy(TimeSpan.FromSeconds(30), 2, ExhaustedPolicies.Escalate), WorkflowLoader.PluginStepDefault);

        var freeze = workflow.Find("freeze-check")!;
        Assert.Equal("change-freeze", freeze.Agent);
        Assert.Equal(new StepPolicy(TimeSpan.FromSeconds(5), 3, ExhaustedPolicies.Fail), workflow.Step("freeze-check"));
        Assert.Equal("severity in [critical, high] and labels.team in [db]", freeze.When!.ToString());
        Assert.True(freeze.When.Matches(new IncidentFacts { Severity = "high", Labels = Labels("team", "db") }));
        Assert.False(freeze.When.Matches(new IncidentFacts { Severity = "medium", Labels = Labels("team", "db") }));
        Assert.Equal(
            """{"count":3,"ratio":-1500,"big":12345678901234567890123,"on":true,"off":false,"none":null,"quoted":"42","single":"true","text":"2026-12-20T00:00:00Z","version":"1.2.3","nested":{"list":[1,"two",{"deep":null}],"empty":[]}}""",
            JsonSerializer.Serialize(freeze.Settings!.Value));
        Assert.Equal(JsonValueKind.Object, freeze.Settings.Value.ValueKind);
        Assert.True(workflow.Find(IncidentSteps.Triage)!.IsBuiltIn);
        Assert.Null(workflow.Find(IncidentSteps.Triage)!.Agent);
    }

    [Fact]
    public void Approval_human_waits_thirty_minutes_unless_told_otherwise()
    {
        var standard = WorkflowLoader.Parse("workflows:\n  w:\n    approval: human\n", "w", "h.yaml");
        var quick = WorkflowLoader.Parse("workflows:\n  w:\n    approval: human\n    approvalTimeout: 90s\n", "w", "h.yaml");

        Assert.Equal(IncidentWorkflow.DefaultHumanApprovalTimeout, standard.HumanApprovalTimeout);
        Assert.Equal(TimeSpan.FromMinutes(30), standard.HumanApprovalTimeout);
        Assert.Null(standard.Approval);
        Assert.Equal(new StepPolicy(TimeSpan.FromSeconds(90), 1), quick.Step(IncidentSteps.Approval));
    }

    [Fact]
    public void Settings_larger_than_16_KiB_as_JSON_are_refused()
    {
        var fits = new string('x', WorkflowLoader.MaxSettingsBytes - 20);
        var tooBig = new string('x', WorkflowLoader.MaxSettingsBytes);
        string File(string text) => $"workflows:\n  w:\n    steps:\n      triage: {{}}\n      big: {{ settings: {{ text: {text} }} }}\n      notification: {{}}\n";

        Assert.NotNull(WorkflowLoader.Parse(File(fits), "w", "fits.yaml").Find("big")!.Settings);
        var ex = Assert.Throws<WorkflowConfigurationException>(() => WorkflowLoader.Parse(File(tooBig), "w", "big.yaml"));
        Assert.True(ex.Message.Contains($"line 5, column 24: workflows.w.steps.big.settings: {WorkflowLoader.MaxSettingsBytes + 11} bytes as JSON; settings may have at most 16384 bytes", StringComparison.Ordinal), ex.Message);
    }

    [Fact]
    public void The_version_is_a_hash_of_the_text_stable_and_changing_with_it()
    {
        const string text = "workflows:\n  w: {}\n";

        var first = WorkflowLoader.ParseSet(text, "a.yaml").Version;

        Assert.Matches("^[0-9a-f]{12}$", first);
        Assert.Equal(first, WorkflowLoader.ParseSet(text, "elsewhere.yaml").Version);
        // The SHA-256 of the UTF-8 text, first 12 hex digits.
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("workflows:\n  w: {}\n"u8))[..12], first);
        Assert.NotEqual(first, WorkflowLoader.ParseSet(text + "# a comment\n", "a.yaml").Version);
        Assert.NotEqual(first, WorkflowLoader.ParseSet("workflows:\n  w: { minimumConfidence: 0.6 }\n", "a.yaml").Version);
        Assert.Equal("built-in", WorkflowSet.Default.Version);
    }

    /// <summary>A workflow <c>w</c> whose steps are the parts of <paramref name="steps"/> (split at " | "), the first on line 4.</summary>
    private static string Steps(string steps) =>
        "workflows:\n  w:\n    steps:\n" + string.Concat(steps.Split(" | ").Select(s => $"      {s}\n"));

    [Theory]
    [InlineData("context: {} | triage: {} | notification: {}", "line 5, column 7: workflows.w.steps.triage: triage must be the first step")]
    [InlineData("context: {} | notification: {}", "line 4, column 7: workflows.w.steps: triage is missing: it must be the first step")]
    [InlineData("triage: {} | context: {}", "line 4, column 7: workflows.w.steps: notification is missing: it must be the last step")]
    [InlineData("triage: {} | notification: {} | context: {}", "line 5, column 7: workflows.w.steps.notification: notification must be the last step")]
    [InlineData("triage: {} | investigation: {} | notification: {}", "line 5, column 7: workflows.w.steps.investigation: investigation needs context before it")]
    [InlineData("triage: {} | investigation: {} | context: {} | notification: {}", "line 5, column 7: workflows.w.steps.investigation: investigation needs context before it")]
    [InlineData("triage: {} | context: {} | remediation: {} | notification: {}", "line 6, column 7: workflows.w.steps.remediation: remediation needs investigation before it")]
    [InlineData("triage: {} | context: {} | investigation: {} | remediation: { attempts: 2 } | notification: {}", "line 7, column 32: workflows.w.steps.remediation.attempts: 2: remediation is never retried blindly, it must be 1")]
    [InlineData("triage: { timeout: soon } | notification: {}", "line 4, column 26: workflows.w.steps.triage.timeout: 'soon' is not a positive duration such as 500ms, 30s or 2m")]
    [InlineData("triage: { timeout: 0s } | notification: {}", "line 4, column 26: workflows.w.steps.triage.timeout: '0s' is not a positive duration")]
    [InlineData("triage: { attempts: 11 } | notification: {}", "line 4, column 27: workflows.w.steps.triage.attempts: 11 is not between 1 and 10")]
    [InlineData("triage: { attempts: 0 } | notification: {}", "line 4, column 27: workflows.w.steps.triage.attempts: 0 is not between 1 and 10")]
    [InlineData("triage: { attempts: two } | notification: {}", "line 4, column 27: workflows.w.steps.triage.attempts: 'two' is not a whole number")]
    [InlineData("triage: { onExhausted: shrug } | notification: {}", "line 4, column 30: workflows.w.steps.triage.onExhausted: 'shrug' is not one of escalate, fail")]
    [InlineData("triage: { timout: 30s } | notification: {}", "line 4, column 17: workflows.w.steps.triage.timout: unknown key (known here: timeout, attempts, onExhausted, agent, settings, when)")]
    [InlineData("triage: {} | Change_Freeze: {} | notification: {}", "line 5, column 7: workflows.w.steps.Change_Freeze: 'Change_Freeze' is not a lower-case kebab-case name of at most 63 characters such as change-freeze")]
    [InlineData("triage: {} | approval: {} | notification: {}", "line 5, column 7: workflows.w.steps.approval: 'approval' is a name of the orchestrator's own")]
    [InlineData("triage: {} | intake: {} | notification: {}", "line 5, column 7: workflows.w.steps.intake: 'intake' is a name of the orchestrator's own")]
    [InlineData("triage: {} | operator: {} | notification: {}", "line 5, column 7: workflows.w.steps.operator: 'operator' is a name of the orchestrator's own")]
    [InlineData("triage: {} | scheduler: {} | notification: {}", "line 5, column 7: workflows.w.steps.scheduler.agent: 'scheduler' is a queue of the system's own")]
    [InlineData("triage: {} | check: { agent: incident } | notification: {}", "line 5, column 23: workflows.w.steps.check.agent: 'incident' is a queue of the system's own")]
    [InlineData("triage: {} | check: { agent: triage } | notification: {}", "line 5, column 23: workflows.w.steps.check.agent: 'triage' is a queue of the system's own")]
    [InlineData("triage: {} | check: { agent: Check } | notification: {}", "line 5, column 23: workflows.w.steps.check.agent: 'Check' is not a lower-case kebab-case name")]
    [InlineData("triage: { when: { severity: high } } | notification: {}", "line 4, column 17: workflows.w.steps.triage.when: built-in steps always run; choose by a routing rule instead")]
    [InlineData("triage: { agent: my-triage } | notification: {}", "line 4, column 17: workflows.w.steps.triage.agent: only a plug-in step has agent:")]
    [InlineData("triage: { settings: { a: 1 } } | notification: {}", "line 4, column 17: workflows.w.steps.triage.settings: only a plug-in step has settings:")]
    [InlineData("triage: {} | check: { settings: [a] } | notification: {}", "line 5, column 26: workflows.w.steps.check.settings: expected a mapping of settings; found a list")]
    [InlineData("triage: {} | check: { when: { sevrity: high } } | notification: {}", "line 5, column 24: workflows.w.steps.check.when.sevrity: unknown key (known here: severity, source, format, service, labels, team, tier, environment)")]
    [InlineData("triage: {} | check: { when: { severity: [high, urgent] } } | notification: {}", "line 5, column 41: workflows.w.steps.check.when.severity: 'urgent' is not one of critical, high, medium, low")]
    [InlineData("triage: {} | check: { when: { tier: gold } } | notification: {}", "line 5, column 30: workflows.w.steps.check.when.tier: 'gold' is not one of critical, standard")]
    [InlineData("triage: {} | check: { when: {} } | notification: {}", "line 5, column 22: workflows.w.steps.check.when: an empty when: always holds")]
    [InlineData("triage: {} | check: { when: { service: [] } } | notification: {}", "line 5, column 33: workflows.w.steps.check.when.service: an empty list never holds")]
    [InlineData("triage: {} | check: { when: { labels: {} } } | notification: {}", "line 5, column 32: workflows.w.steps.check.when.labels: no labels")]
    [InlineData("notification: {}", "line 4, column 7: workflows.w.steps: triage is missing")]
    public void Each_step_mistake_is_named_with_its_line_column_and_path(string steps, string message)
    {
        var ex = Assert.Throws<WorkflowConfigurationException>(() => WorkflowLoader.ParseSet(Steps(steps), "bad.yaml"));

        Assert.Contains("Workflow file 'bad.yaml' is invalid (", ex.Message);
        Assert.True(ex.Message.Contains("\n  - " + message, StringComparison.Ordinal), ex.Message);
    }

    [Theory]
    [InlineData("workflows:\n  w:\n    approval: human\n    steps:\n      triage: {}\n      notification: {}\n",
        "line 3, column 15: workflows.w.approval: the approval gate is before remediation, which this workflow does not have")]
    [InlineData("workflows:\n  w:\n    approvalTimeout: 5m\n", "line 3, column 5: workflows.w.approvalTimeout: only with approval: human")]
    [InlineData("workflows:\n  w:\n    approval: review\n    approvalTimeout: 5m\ndeliberations:\n  review: { participants: [a] }\n",
        "line 4, column 5: workflows.w.approvalTimeout: only with approval: human")]
    [InlineData("workflows:\n  w:\n    approval: human\n    approvalTimeout: soon\n", "line 4, column 22: workflows.w.approvalTimeout: 'soon' is not a positive duration")]
    [InlineData("workflows:\n  Security: {}\n", "line 2, column 3: workflows.Security: 'Security' is not a lower-case kebab-case name")]
    [InlineData("workflows:\n  w: { minimumConfidence: 1.5 }\n", "line 2, column 27: workflows.w.minimumConfidence: 1.5 is not between 0 and 1")]
    [InlineData("workflows:\n  w: { minimumConfidence: high }\n", "line 2, column 27: workflows.w.minimumConfidence: 'high' is not a number")]
    [InlineData("workflows:\n  w: { shortCircuitSeverities: [low, tiny] }\n", "line 2, column 38: workflows.w.shortCircuitSeverities: 'tiny' is not one of critical, high, medium, low")]
    [InlineData("workflows:\n  w: { steps: [triage] }\n", "line 2, column 15: workflows.w.steps: expected a mapping of steps in the order they run; found a list")]
    [InlineData("workflows:\n  w: { stepz: {} }\n", "line 2, column 8: workflows.w.stepz: unknown key")]
    [InlineData("workflow:\n  w: {}\n", "line 1, column 1: workflow: unknown key (known here: routing, workflows, deliberations)")]
    [InlineData("routing:\n  default: w\n", "line 1, column 1: workflows: required: at least one workflow")]
    [InlineData("workflows: {}\n", "line 1, column 12: workflows: no workflows: at least one is required")]
    [InlineData("routing:\n  default: other\nworkflows:\n  w: {}\n", "line 2, column 12: routing.default: 'other' is not a workflow of the file (it has: w)")]
    [InlineData("routing:\n  rules: []\nworkflows:\n  a: {}\n  b: {}\n", "line 2, column 3: routing.default: required when the file has several workflows")]
    [InlineData("routing:\n  rules:\n    - match: { service: api }\n      workflow: other\n  default: w\nworkflows:\n  w: {}\n",
        "line 4, column 17: routing.rules[0].workflow: 'other' is not a workflow of the file (it has: w)")]
    [InlineData("routing:\n  rules:\n    - match: { service: api }\n  default: w\nworkflows:\n  w: {}\n",
        "line 3, column 7: routing.rules[0].workflow: required: the workflow of the incidents the rule matches")]
    [InlineData("routing:\n  rules:\n    - workflow: w\n  default: w\nworkflows:\n  w: {}\n",
        "line 3, column 7: routing.rules[0].match: required")]
    [InlineData("routing:\n  rules:\n    - match: {}\n      workflow: w\n  default: w\nworkflows:\n  w: {}\n",
        "line 3, column 14: routing.rules[0].match: an empty match always holds; use routing.default for the incidents no rule matches")]
    [InlineData("routing:\n  rules:\n    - match: { sevrity: high }\n      workflow: w\nworkflows:\n  w: {}\n",
        "line 3, column 16: routing.rules[0].match.sevrity: unknown key")]
    [InlineData("routing:\n  rules:\n    - match: { severity: [high, urgent] }\n      workflow: w\nworkflows:\n  w: {}\n",
        "line 3, column 33: routing.rules[0].match.severity: 'urgent' is not one of critical, high, medium, low")]
    [InlineData("routing:\n  rules:\n    - match: { tier: [gold] }\n      workflow: w\nworkflows:\n  w: {}\n",
        "line 3, column 23: routing.rules[0].match.tier: 'gold' is not one of critical, standard")]
    [InlineData("routing:\n  rules:\n    - match: { labels: { category: [] } }\n      workflow: w\nworkflows:\n  w: {}\n",
        "line 3, column 36: routing.rules[0].match.labels.category: an empty list never holds")]
    [InlineData("routing:\n  rules:\n    - match: { labels: [category] }\n      workflow: w\nworkflows:\n  w: {}\n",
        "line 3, column 24: routing.rules[0].match.labels: expected a mapping of label names to values; found a list")]
    [InlineData("routing:\n  rules:\n    - { name: db, match: { service: a }, workflow: w }\n    - { name: db, match: { service: b }, workflow: w }\nworkflows:\n  w: {}\n",
        "line 4, column 15: routing.rules[1].name: 'db' is the name of an earlier rule too")]
    [InlineData("routing:\n  rules: { a: b }\nworkflows:\n  w: {}\n", "line 2, column 10: routing.rules: expected a list of rules; found a mapping")]
    [InlineData("routing:\n  rules:\n    - match: { team: }\n      workflow: w\nworkflows:\n  w: {}\n",
        "line 3, column 22: routing.rules[0].match.team: no value")]
    public void Each_file_mistake_is_named_with_its_line_column_and_path(string yaml, string message)
    {
        var ex = Assert.Throws<WorkflowConfigurationException>(() => WorkflowLoader.ParseSet(yaml, "bad.yaml"));

        Assert.True(ex.Message.Contains("\n  - " + message, StringComparison.Ordinal), ex.Message);
    }

    [Fact]
    public void Every_problem_of_the_file_is_reported_at_once_in_file_order()
    {
        var ex = Assert.Throws<WorkflowConfigurationException>(() => WorkflowLoader.ParseSet(
            """
            routing:
              rules:
                - match: { severity: urgent }
                  workflow: security
              default: nowhere
            workflows:
              security:
                steps:
                  triage: {}
                  remediation: { attempts: 3 }
                  notification: { when: { severity: high } }
                approval: human
              other:
                approvalTimeout: 1m
            deliberations:
              review: { participants: [a, a] }
            """, "many.yaml"));

        var lines = ex.Message.Split(Environment.NewLine);
        Assert.Equal("Workflow file 'many.yaml' is invalid (7 problems):", lines[0]);
        Assert.Equal(
            [
                "  - line 3, column 26: routing.rules[0].match.severity: 'urgent' is not one of critical, high, medium, low",
                "  - line 5, column 12: routing.default: 'nowhere' is not a workflow of the file (it has: security, other)",
                "  - line 10, column 7: workflows.security.steps.remediation: remediation needs investigation before it (it acts on the investigation's hypothesis)",
                "  - line 10, column 32: workflows.security.steps.remediation.attempts: 3: remediation is never retried blindly, it must be 1 (a failure escalates)",
                "  - line 11, column 23: workflows.security.steps.notification.when: built-in steps always run; choose by a routing rule instead",
                "  - line 14, column 5: workflows.other.approvalTimeout: only with approval: human (a deliberation's gate waits maxRounds x roundTimeout)",
                "  - line 16, column 31: deliberations.review.participants: 'a' is listed 2 times",
            ],
            lines[1..]);
    }

    [Fact]
    public void Broken_yaml_and_a_second_document_name_their_line()
    {
        var broken = Assert.Throws<WorkflowConfigurationException>(() => WorkflowLoader.ParseSet("workflows:\n  w: {\n", "broken.yaml"));
        var twice = Assert.Throws<WorkflowConfigurationException>(() => WorkflowLoader.ParseSet("workflows:\n  w: {}\n---\nworkflows: {}\n", "two.yaml"));
        var duplicate = Assert.Throws<WorkflowConfigurationException>(() => WorkflowLoader.ParseSet(
            "workflows:\n  w:\n    steps:\n      triage: {}\n      triage: {}\n      notification: {}\n", "dup.yaml"));
        var empty = Assert.Throws<WorkflowConfigurationException>(() => WorkflowLoader.ParseSet("# nothing yet\n", "empty.yaml"));
        var missing = Assert.Throws<WorkflowConfigurationException>(() => WorkflowLoader.LoadSet("/nonexistent/workflows.yaml"));

        Assert.Contains("Workflow file 'broken.yaml' is not valid YAML: line 3", broken.Message);
        Assert.Contains("Workflow file 'two.yaml' is invalid: line 4, column 1: a second YAML document", twice.Message);
        Assert.Contains("'dup.yaml' is not valid YAML: line 5", duplicate.Message);
        Assert.Contains("Workflow file 'empty.yaml' is empty", empty.Message);
        Assert.Contains("/nonexistent/workflows.yaml", missing.Message);
    }

    [Fact]
    public void Parse_and_LoadFile_take_one_workflow_of_the_set()
    {
        var path = RepositoryFiles.Resolve("deploy/workflows.yaml");
        var set = WorkflowLoader.LoadSet(path);

        Assert.Equal(Names(set.Workflows["human-approved"]), Names(WorkflowLoader.LoadFile(path, "human-approved")));
        Assert.Equal(Names(set.Workflows["notify-only"]), Names(WorkflowLoader.Parse(File.ReadAllText(path), "notify-only", path)));
        var ex = Assert.Throws<WorkflowConfigurationException>(() => WorkflowLoader.LoadFile(path, "nope"));
        Assert.Contains("no workflow 'nope' (it has: incident-response, notify-only, human-approved)", ex.Message);
    }

    private static string Names(IncidentWorkflow workflow) =>
        $"{workflow.Name}: {string.Join(", ", workflow.Sequence.Select(s => $"{s.Name} {workflow.Step(s.Name)}"))}";

    private static (string Workflow, string Rule) Route(WorkflowSet set, IncidentFacts facts)
    {
        var (workflow, rule) = set.Route(facts);
        return (workflow.Name, rule);
    }

    private static Dictionary<string, string> Labels(params string[] pairs) =>
        Enumerable.Range(0, pairs.Length / 2).ToDictionary(i => pairs[2 * i], i => pairs[2 * i + 1]);
}
