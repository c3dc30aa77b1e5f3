using k8s.Models;

namespace Agents.Context.Sources.Kubernetes;

/// <summary>
/// A workload's <c>spec.selector</c> written as the <c>labelSelector</c> query parameter of a list request:
/// <c>app=checkout,tier in (web,api),!canary</c> (match labels first, then expressions, in the order given).
/// </summary>
internal static class LabelSelectorText
{
    public static string Format(V1LabelSelector? selector)
    {
        var parts = new List<string>();
        foreach (var (key, value) in selector?.MatchLabels ?? new Dictionary<string, string>())
        {
            parts.Add($"{key}={value}");
        }

        foreach (var requirement in selector?.MatchExpressions ?? [])
        {
            var values = string.Join(",", requirement.Values ?? []);
            parts.Add(requirement.OperatorProperty switch
            {
                "In" => $"{requirement.Key} in ({values})",
                "NotIn" => $"{requirement.Key} notin ({values})",
                "Exists" => requirement.Key,
                "DoesNotExist" => $"!{requirement.Key}",
                var other => throw new InvalidOperationException($"kubernetes: the workload's selector has an unknown operator '{other}'"),
            });
        }

        if (parts.Count == 0)
        {
            // An empty selector selects everything in the namespace: never what a workload's history means.
            throw new InvalidOperationException("kubernetes: the workload has an empty selector");
        }

        return string.Join(",", parts);
    }
}
