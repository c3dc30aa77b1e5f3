using System.Diagnostics.CodeAnalysis;
using Agents.Contracts.Investigation;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Agents.Remediation.Runbooks;

/// <summary>
/// The runbook actions remediation may take, read from YAML (<c>deploy/runbooks.yaml</c> documents the format).
/// Loading validates everything and reports every problem at once in an <see cref="InvalidOperationException"/>
/// naming the file: unknown YAML keys, missing or duplicate ids, unknown hypothesis categories, unknown parameter
/// types, min/max on a non-integer or min above max, steps that use undeclared parameters.
/// </summary>
public sealed partial class RunbookCatalog
{
    /// <summary>The hypothesis categories an action may apply to.</summary>
    public static IReadOnlyList<string> Categories { get; } = HypothesisCategories.All;

    private static readonly Dictionary<string, RunbookParameterType> TypeNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["service"] = RunbookParameterType.Service,
        ["version"] = RunbookParameterType.Version,
        ["integer"] = RunbookParameterType.Integer,
        ["string"] = RunbookParameterType.String,
    };

    private readonly Dictionary<string, RunbookAction> _byId;

    private RunbookCatalog(string origin, IReadOnlyList<RunbookAction> actions)
    {
        Origin = origin;
        Actions = actions;
        _byId = actions.ToDictionary(a => a.Id, StringComparer.Ordinal);
    }

    /// <summary>Where the catalog was read from.</summary>
    public string Origin { get; }

    public IReadOnlyList<RunbookAction> Actions { get; }

    public bool TryGet(string id, [NotNullWhen(true)] out RunbookAction? action) => _byId.TryGetValue(id, out action);

    public static RunbookCatalog Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"Runbook catalog '{path}' does not exist.");
        }

        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Reads a catalog from YAML text; <paramref name="origin"/> names it in errors.</summary>
    public static RunbookCatalog Parse(string yaml, string origin)
    {
        RunbookFile file;
        try
        {
            file = new DeserializerBuilder()
                .WithNamingConvention(CamelCaseNamingConvention.Instance)
                .Build()
                .Deserialize<RunbookFile?>(yaml) ?? new RunbookFile();
        }
        catch (YamlException ex)
        {
            throw new InvalidOperationException(
                $"Runbook catalog '{origin}' is not valid (line {ex.Start.Line}, column {ex.Start.Column}): {Innermost(ex).Message}", ex);
        }

        var errors = new List<string>();
        var actions = new List<RunbookAction>();
        if (file.Actions is not { Count: > 0 })
        {
            errors.Add("there are no actions (expected a list under 'actions:')");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (definition, index) in (file.Actions ?? []).Select((d, i) => (d, i)))
        {
            if (Validate(definition, index, errors) is { } action)
            {
                if (seen.Add(action.Id))
                {
                    actions.Add(action);
                }
                else
                {
                    errors.Add($"action id '{action.Id}' is used more than once");
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new InvalidOperationException(
                $"Runbook catalog '{origin}' is invalid:{Environment.NewLine}  - {string.Join($"{Environment.NewLine}  - ", errors)}");
        }

        return new RunbookCatalog(origin, actions);
    }

    /// <summary>The parameter names a step template uses, in order (<c>{service}</c> → <c>service</c>).</summary>
    public static IReadOnlyList<string> Placeholders(string template) =>
        Placeholder().Matches(template).Select(m => m.Groups[1].Value).ToList();

    /// <summary>A step template with each <c>{name}</c> replaced by <paramref name="values"/>[name] (<c>(not set)</c> when absent).</summary>
    public static string Render(string template, IReadOnlyDictionary<string, string> values) =>
        Placeholder().Replace(template, m => values.TryGetValue(m.Groups[1].Value, out var value) ? value : "(not set)");

    private static RunbookAction? Validate(RunbookFile.ActionDefinition? definition, int index, List<string> errors)
    {
        if (definition is null)
        {
            errors.Add($"actions[{index}] is empty");
            return null;
        }

        var before = errors.Count;
        var id = definition.Id?.Trim();
        var where = string.IsNullOrEmpty(id) ? $"actions[{index}]" : $"action '{id}'";
        if (string.IsNullOrEmpty(id))
        {
            errors.Add($"{where}: no id");
        }
        else if (!ActionId().IsMatch(id))
        {
            errors.Add($"{where}: the id must be lower-case letters, digits and dashes");
        }

        if (string.IsNullOrWhiteSpace(definition.Description))
        {
            errors.Add($"{where}: no description");
        }

        var appliesTo = definition.AppliesTo ?? [];
        if (appliesTo.Count == 0)
        {
            errors.Add($"{where}: no appliesTo (the hypothesis categories it fits: {string.Join(", ", Categories)})");
        }

        foreach (var category in appliesTo.Where(c => !Categories.Contains(c)))
        {
            errors.Add($"{where}: appliesTo '{category}' is not one of {string.Join(", ", Categories)}");
        }

        var parameters = new Dictionary<string, RunbookParameter>(StringComparer.Ordinal);
        foreach (var (name, parameter) in definition.Parameters ?? [])
        {
            if (ValidateParameter(where, name, parameter, errors) is { } valid)
            {
                parameters[name] = valid;
            }
        }

        var steps = definition.Steps ?? [];
        if (steps.Count == 0)
        {
            errors.Add($"{where}: no steps");
        }

        foreach (var (step, number) in steps.Select((s, i) => (s, i + 1)))
        {
            if (string.IsNullOrWhiteSpace(step))
            {
                errors.Add($"{where}: step {number} is empty");
                continue;
            }

            foreach (var undeclared in Placeholders(step).Where(p => !(definition.Parameters?.ContainsKey(p) ?? false)).Distinct())
            {
                errors.Add($"{where}: step {number} \"{step}\" uses '{{{undeclared}}}', which is not a declared parameter");
            }
        }

        return errors.Count > before
            ? null
            : new RunbookAction
            {
                Id = id!,
                Description = definition.Description!.Trim(),
                AppliesTo = appliesTo.ToHashSet(StringComparer.Ordinal),
                Parameters = parameters,
                Steps = steps,
            };
    }

    private static RunbookParameter? ValidateParameter(string where, string name, RunbookFile.ParameterDefinition? definition, List<string> errors)
    {
        var types = string.Join(", ", TypeNames.Keys);
        if (!ParameterName().IsMatch(name))
        {
            errors.Add($"{where}: parameter name '{name}' must be lower-case letters, digits and underscores");
            return null;
        }

        if (definition?.Type is not { } typeName || string.IsNullOrWhiteSpace(typeName))
        {
            errors.Add($"{where}: parameter '{name}' has no type (one of {types})");
            return null;
        }

        if (!TypeNames.TryGetValue(typeName.Trim(), out var type))
        {
            errors.Add($"{where}: parameter '{name}' has the unknown type '{typeName}' (one of {types})");
            return null;
        }

        if (type != RunbookParameterType.Integer && (definition.Min is not null || definition.Max is not null))
        {
            errors.Add($"{where}: parameter '{name}' is a {typeName}; min and max apply to integers only");
            return null;
        }

        if (definition.Min > definition.Max)
        {
            errors.Add($"{where}: parameter '{name}' has min {definition.Min} above max {definition.Max}");
            return null;
        }

        return new RunbookParameter(name, type, definition.Required ?? true, definition.Min, definition.Max);
    }

    private static Exception Innermost(Exception ex) => ex.InnerException is { } inner ? Innermost(inner) : ex;

    [GeneratedRegex(@"\{([^{}\s]+)\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*$")]
    private static partial Regex ActionId();

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex ParameterName();
}
