using System.Text.Json.Nodes;
using Agents.Api.Security;
using Agents.Contracts.Context;
using Agents.Contracts.Incidents;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Agents.Api;

/// <summary>
/// <c>GET /incidents/{id}/scenario</c> (viewers, like reading the incident): a finished incident as an evaluation scenario
/// (eval/README.md), to be saved as <c>eval/scenarios/NAME/scenario.json</c> and replayed with <c>deploy/local/eval.sh</c>:
/// its alert (in the generic format, from the normalised alert: the raw body is not kept), the context that was gathered
/// (the service's catalog entry, deploys, measured series as explicit points, log patterns as sample lines, pod troubles
/// as warning events), what it
/// concluded as the expectation (edit it where the incident was wrong), and the same conclusion step by step as
/// <c>recorded</c>, which the replay prints beside the new one. An incident that has not ended yet is refused (409).
/// </summary>
public static class ScenarioExportEndpoints
{
    /// <summary>Log lines written per log pattern (the pattern's count, at most this).</summary>
    public const int MaxLinesPerPattern = 50;

    public static WebApplication MapScenarioExportEndpoints(this WebApplication app)
    {
        app.MapGet("/incidents/{id:guid}/scenario", Export).RequireRole(ApiRoles.Viewer);
        return app;
    }

    private static async Task<IResult> Export(Guid id, IRequestClient<GetIncident> client, IOptions<ApiOptions> options, CancellationToken ct)
    {
        try
        {
            var response = await client.GetResponse<IncidentDetails, IncidentNotFound>(new GetIncident { IncidentId = id }, ct, options.Value.OrchestratorWait);
            if (!response.Is(out Response<IncidentDetails>? found))
            {
                return Results.Problem(statusCode: 404, title: "No such incident", detail: $"No incident {id}.");
            }

            var incident = found.Message;
            return IncidentStatuses.Terminal.Contains(incident.Summary.Status)
                ? Results.Json(Scenario(incident))
                : Results.Problem(statusCode: 409, title: "Incident not finished",
                    detail: $"Incident {id} is {incident.Summary.Status}; a scenario records a finished incident's conclusion.");
        }
        catch (RequestTimeoutException)
        {
            return IncidentEndpoints.OrchestratorUnavailable();
        }
    }

    /// <summary>The scenario document of <paramref name="incident"/>.</summary>
    public static JsonObject Scenario(IncidentDetails incident)
    {
        ArgumentNullException.ThrowIfNull(incident);
        var alert = incident.Alert;
        var context = incident.Context;
        var triage = incident.Triage;
        var hypothesis = incident.Hypothesis;
        var service = triage?.Service ?? alert.Service ?? incident.Summary.Service ?? "unknown";

        var body = new JsonObject
        {
            ["source"] = alert.Source,
            ["service"] = alert.Service ?? service,
            ["summary"] = alert.Summary,
            ["timestamp"] = alert.OccurredAt.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["fingerprint"] = alert.Fingerprint,
        };
        if (alert.Severity is { } severity)
        {
            body["severity"] = severity;
        }

        body["labels"] = Strings(alert.Labels);
        body["annotations"] = Strings(alert.Annotations);

        var services = new JsonArray();
        if (context?.Profile is { FromDefaultEntry: false } profile)
        {
            services.Add(new JsonObject { ["name"] = profile.Name, ["tier"] = profile.Tier, ["dependsOn"] = new JsonArray([.. profile.DependsOn.Select(d => (JsonNode?)d)]) });
        }

        var deploys = new JsonArray();
        foreach (var deploy in context?.RecentDeploys ?? [])
        {
            var record = new JsonObject
            {
                ["service"] = deploy.Service,
                ["version"] = deploy.Version,
                ["deployed_at"] = deploy.DeployedAt.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            };
            foreach (var (name, value) in new[] { ("previous_version", deploy.PreviousVersion), ("environment", deploy.Environment), ("author", deploy.Author) })
            {
                if (value is not null)
                {
                    record[name] = value;
                }
            }

            deploys.Add(record);
        }

        var prometheus = new JsonArray();
        foreach (var group in (context?.Series ?? []).Where(s => s.Signal != MetricSignals.Restarts).GroupBy(s => s.Service, StringComparer.OrdinalIgnoreCase))
        {
            var points = new JsonObject();
            foreach (var series in group.GroupBy(s => s.Signal))
            {
                // Several series of one signal (labels): the highest peak stands for the signal.
                var chosen = series.MaxBy(s => s.Peak ?? 0)!;
                points[series.Key] = new JsonArray([.. chosen.Points.Select(p => (JsonNode?)new JsonObject { ["at"] = p.At, ["value"] = p.Value })]);
            }

            prometheus.Add(new JsonObject { ["service"] = group.Key, ["points"] = points });
        }

        var logs = new JsonArray();
        foreach (var pattern in context?.LogPatterns ?? [])
        {
            logs.Add(new JsonObject { ["service"] = context!.Service, ["at"] = pattern.FirstSeen, ["line"] = pattern.Sample, ["count"] = Math.Clamp(pattern.Count, 1, MaxLinesPerPattern) });
        }

        // Pod troubles as warning events of the workload's pods (a status such as OOMKilled keeps its reason).
        var kubernetes = new JsonArray();
        if (context is { WorkloadEvents.Count: > 0 })
        {
            var pods = context.WorkloadEvents.Select(e => e.Object).Distinct(StringComparer.Ordinal).ToList();
            kubernetes.Add(new JsonObject
            {
                ["service"] = context.Service,
                ["pods"] = new JsonArray([.. pods.Select(_ => (JsonNode?)new JsonObject())]),
                ["events"] = new JsonArray([.. context.WorkloadEvents.Select(e => (JsonNode?)new JsonObject
                {
                    ["pod"] = pods.IndexOf(e.Object),
                    ["reason"] = e.Reason,
                    ["message"] = e.Message ?? e.Reason,
                    ["count"] = e.Count,
                    ["first"] = e.FirstSeen,
                    ["last"] = e.LastSeen,
                })]),
            });
        }

        var action = incident.Remediation?.ActionId ?? "none";
        var expect = new JsonObject
        {
            ["severity"] = triage?.Severity ?? incident.Summary.Severity,
            ["service"] = service,
            ["category"] = hypothesis?.Category,
            ["action"] = action,
            ["outcome"] = incident.Summary.Status,
        };
        if (hypothesis?.SuspectVersion is { } version)
        {
            expect["version"] = version;
        }

        if (hypothesis?.Dependency is { } dependency)
        {
            expect["dependency"] = dependency;
        }

        return new JsonObject
        {
            ["description"] = $"Exported from incident {incident.Summary.IncidentId} ({incident.Summary.Title}); the expectation is what it concluded: edit it where that was wrong.",
            ["alert"] = new JsonObject { ["format"] = "generic", ["body"] = body },
            ["alertAt"] = alert.OccurredAt,
            ["services"] = services,
            ["deploys"] = deploys,
            ["prometheus"] = prometheus,
            ["logs"] = logs,
            ["kubernetes"] = kubernetes,
            ["expect"] = expect,
            ["recorded"] = new JsonObject
            {
                ["incidentId"] = incident.Summary.IncidentId.ToString(),
                ["triage"] = triage is null ? null : $"{triage.Severity} {triage.Service} {triage.ErrorType}",
                ["investigation"] = hypothesis is null ? null : $"{hypothesis.Category} {hypothesis.SuspectVersion ?? hypothesis.Dependency}".TrimEnd() + $": {hypothesis.Summary}",
                ["remediation"] = incident.Remediation is { } r ? $"{r.ActionId}: {r.Outcome}" : "none",
                ["outcome"] = incident.Summary.Status,
            },
        };
    }

    private static JsonObject Strings(IReadOnlyDictionary<string, string> values)
    {
        var result = new JsonObject();
        foreach (var (key, value) in values)
        {
            result[key] = value;
        }

        return result;
    }
}
