using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Agents.Contracts.Investigation;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Agents.Remediation.Runbooks;

/// <summary>
/// The runbook actions remediation may take, read from YAML (<c>deploy/runbooks.yaml</c> documents the format).
/// Loading validates everything and reports every problem at once in an <see cref="InvalidOperationException"/>
/// naming the file: unknown YAML keys, missing or duplicate ids, unknown hypothesis categories, unknown parameter
/// types, min/max on a non-integer or min above max, steps that use undeclared parameters, and in the executor steps
/// (<c>run:</c>): an entry that is not exactly one executor, an unknown Kubernetes operation or a setting it does not
/// take, a rollback version that is not a version parameter, a scale step without a positive <c>add</c> and
/// <c>maxReplicas</c>, a Redis step with neither patterns nor <c>flush</c> (or a pattern of wildcards only), an HTTP
/// method other than GET/POST/PUT/PATCH/DELETE, a URL that is not an absolute http(s) address or a body that is not
/// JSON once sample values are filled in, an auth naming neither or both of bearer/hmac.
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

        var run = new List<ExecutorStep>();
        foreach (var (entry, position) in (definition.Run ?? []).Select((r, i) => (r, i)))
        {
            if (ValidateRun(where, entry, position, definition.Parameters, parameters, errors) is { } step)
            {
                run.Add(step);
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
                Run = run,
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

    /// <summary>The parameter names an executor template uses (<c>{name}</c> with a parameter-shaped name only, so that JSON braces are not taken for one).</summary>
    public static IReadOnlyList<string> RunPlaceholders(string template) =>
        RunPlaceholder().Matches(template).Select(m => m.Groups[1].Value).ToList();

    /// <summary>
    /// An executor template with each <c>{name}</c> replaced by <paramref name="encode"/>(value). A placeholder without
    /// a value becomes <paramref name="missing"/>, or throws when that is null (<see cref="ParameterRules.Problems"/>
    /// refuses such parameters before any executor runs).
    /// </summary>
    public static string RenderRun(string template, IReadOnlyDictionary<string, string> values, Func<string, string> encode, string? missing = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(encode);
        return RunPlaceholder().Replace(template, m => values.TryGetValue(m.Groups[1].Value, out var value)
            ? encode(value)
            : missing ?? throw new InvalidOperationException($"the parameter '{m.Groups[1].Value}' has no value"));
    }

    private static ExecutorStep? ValidateRun(
        string where,
        RunbookFile.RunDefinition? entry,
        int index,
        Dictionary<string, RunbookFile.ParameterDefinition?>? declared,
        IReadOnlyDictionary<string, RunbookParameter> parameters,
        List<string> errors)
    {
        var at = $"{where}: run[{index}]";
        var kinds = new object?[] { entry?.Kubernetes, entry?.Redis, entry?.Http }.Count(k => k is not null);
        if (entry is null || kinds != 1)
        {
            errors.Add($"{at} must be exactly one of kubernetes, redis, http");
            return null;
        }

        var before = errors.Count;
        ExecutorStep? step = entry.Kubernetes is { } k ? ValidateKubernetes(at, k, parameters, errors)
            : entry.Redis is { } r ? ValidateRedis(at, r, errors)
            : ValidateHttp(at, entry.Http!, parameters, errors);
        if (step is null)
        {
            return null;
        }

        foreach (var undeclared in step.Templates.SelectMany(RunPlaceholders).Where(p => !(declared?.ContainsKey(p) ?? false)).Distinct())
        {
            errors.Add($"{at} uses '{{{undeclared}}}', which is not a declared parameter");
        }

        return errors.Count > before ? null : step with { Index = index };
    }

    private static KubernetesStep? ValidateKubernetes(string at, RunbookFile.KubernetesDefinition k, IReadOnlyDictionary<string, RunbookParameter> parameters, List<string> errors)
    {
        var operations = string.Join(", ", Enum.GetNames<KubernetesOperation>().Select(n => n.ToLowerInvariant()));
        if (string.IsNullOrWhiteSpace(k.Operation) || !Enum.TryParse<KubernetesOperation>(k.Operation.Trim(), ignoreCase: true, out var operation)
            || int.TryParse(k.Operation, CultureInfo.InvariantCulture, out _))
        {
            errors.Add($"{at}: kubernetes operation '{k.Operation}' is not one of {operations}");
            return null;
        }

        var before = errors.Count;
        var name = operation.ToString().ToLowerInvariant();
        if (operation != KubernetesOperation.Rollback && k.ToVersion is not null)
        {
            errors.Add($"{at}: toVersion applies to rollback only, not to {name}");
        }

        if (operation != KubernetesOperation.Scale && (k.Add is not null || k.MaxReplicas is not null))
        {
            errors.Add($"{at}: add and maxReplicas apply to scale only, not to {name}");
        }

        if (operation == KubernetesOperation.Rollback)
        {
            if (string.IsNullOrWhiteSpace(k.ToVersion))
            {
                errors.Add($"{at}: rollback needs toVersion (e.g. \"{{to_version}}\")");
            }
            else if (SinglePlaceholder(k.ToVersion) is { } undeclared && !parameters.ContainsKey(undeclared))
            {
                errors.Add($"{at} uses '{{{undeclared}}}', which is not a declared parameter");
            }
            else if (SinglePlaceholder(k.ToVersion) is not { } versionName
                || !parameters.TryGetValue(versionName, out var version) || version.Type != RunbookParameterType.Version)
            {
                errors.Add($"{at}: toVersion '{k.ToVersion}' must be one parameter of type version, such as \"{{to_version}}\"");
            }
        }

        if (operation == KubernetesOperation.Scale)
        {
            if (string.IsNullOrWhiteSpace(k.Add))
            {
                errors.Add($"{at}: scale needs add (the replicas to add: a number or an integer parameter such as \"{{replicas_added}}\")");
            }
            else if (SinglePlaceholder(k.Add) is { } addName)
            {
                if (parameters.TryGetValue(addName, out var add) && (add.Type != RunbookParameterType.Integer || add.Min is not > 0))
                {
                    errors.Add($"{at}: add '{k.Add}' must be an integer parameter with min 1 or more");
                }
            }
            else if (!int.TryParse(k.Add, NumberStyles.None, CultureInfo.InvariantCulture, out var literal) || literal < 1)
            {
                errors.Add($"{at}: add '{k.Add}' must be a positive whole number or one integer parameter");
            }

            if (k.MaxReplicas is not > 0)
            {
                errors.Add($"{at}: scale needs maxReplicas, a positive whole number (the most replicas after the step)");
            }
        }

        return errors.Count > before
            ? null
            : new KubernetesStep { Operation = operation, ToVersion = k.ToVersion?.Trim(), Add = k.Add?.Trim(), MaxReplicas = k.MaxReplicas };
    }

    private static RedisStep? ValidateRedis(string at, RunbookFile.RedisDefinition r, List<string> errors)
    {
        var before = errors.Count;
        var patterns = r.Unlink ?? [];
        if (patterns.Count == 0 && r.Flush != true)
        {
            errors.Add($"{at}: redis needs unlink (key patterns) or flush: true");
        }

        foreach (var (pattern, number) in patterns.Select((p, i) => (p, i)))
        {
            if (string.IsNullOrWhiteSpace(pattern))
            {
                errors.Add($"{at}: unlink[{number}] is empty");
            }
            else if (pattern.All(c => c is '*' or '?' or '[' or ']' or '^' or '-'))
            {
                errors.Add($"{at}: unlink pattern '{pattern}' matches every key; write flush: true to empty the database");
            }
            else if (pattern.Any(char.IsWhiteSpace))
            {
                errors.Add($"{at}: unlink pattern '{pattern}' contains whitespace");
            }
        }

        return errors.Count > before ? null : new RedisStep { Unlink = patterns.OfType<string>().ToList(), Flush = r.Flush ?? false };
    }

    private static HttpStep? ValidateHttp(string at, RunbookFile.HttpDefinition h, IReadOnlyDictionary<string, RunbookParameter> parameters, List<string> errors)
    {
        var before = errors.Count;
        var samples = parameters.Values.ToDictionary(p => p.Name, ParameterRules.Sample, StringComparer.Ordinal);
        var method = h.Method?.Trim().ToUpperInvariant() ?? "POST";
        if (method is not ("GET" or "POST" or "PUT" or "PATCH" or "DELETE"))
        {
            errors.Add($"{at}: http method '{h.Method}' is not one of GET, POST, PUT, PATCH, DELETE");
        }

        if (string.IsNullOrWhiteSpace(h.Url))
        {
            errors.Add($"{at}: http needs url");
        }
        else if (!TryRenderSample(h.Url, samples, ParameterRules.UrlEncoded, out var url)
            || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.UserInfo))
        {
            errors.Add($"{at}: http url '{h.Url}' is not an absolute http or https address without credentials");
        }

        if (h.Body is not null)
        {
            if (method is "GET" or "DELETE")
            {
                errors.Add($"{at}: a {method} request has no body");
            }
            else if (TryRenderSample(h.Body, samples, ParameterRules.JsonEscaped, out var body))
            {
                try
                {
                    JsonNode.Parse(body);
                }
                catch (JsonException e)
                {
                    errors.Add($"{at}: http body is not valid JSON once the parameters are filled in ({e.Message})");
                }
            }
        }

        HttpStepAuth? auth = null;
        if (h.Auth is { } a)
        {
            if ((a.Bearer is null) == (a.Hmac is null))
            {
                errors.Add($"{at}: auth must name exactly one of bearer (a token) or hmac (a signing key)");
            }
            else if (!SecretName().IsMatch(a.Bearer ?? a.Hmac!))
            {
                errors.Add($"{at}: auth names the secret '{a.Bearer ?? a.Hmac}'; it must be an environment variable name (letters, digits, underscores)");
            }

            if (a.Header is not null && (a.Hmac is null || !HeaderName().IsMatch(a.Header)))
            {
                errors.Add($"{at}: auth header '{a.Header}' applies to hmac only and must be a header name");
            }

            auth = new HttpStepAuth { Bearer = a.Bearer, Hmac = a.Hmac, Header = a.Header ?? HttpStepAuth.DefaultHmacHeader };
        }

        return errors.Count > before ? null : new HttpStep { Method = method, Url = h.Url!.Trim(), Body = h.Body, Auth = auth };
    }

    /// <summary>Renders a template with sample values; false when it names an undeclared parameter (reported elsewhere).</summary>
    private static bool TryRenderSample(string template, Dictionary<string, string> samples, Func<string, string> encode, out string rendered)
    {
        rendered = "";
        if (RunPlaceholders(template).Any(p => !samples.ContainsKey(p)))
        {
            return false;
        }

        rendered = RenderRun(template, samples, encode);
        return true;
    }

    private static string? SinglePlaceholder(string template) =>
        RunPlaceholder().Match(template.Trim()) is { Success: true } m && m.Length == template.Trim().Length ? m.Groups[1].Value : null;

    private static Exception Innermost(Exception ex) => ex.InnerException is { } inner ? Innermost(inner) : ex;

    [GeneratedRegex(@"\{([^{}\s]+)\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"\{([a-z][a-z0-9_]*)\}")]
    private static partial Regex RunPlaceholder();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*\z")]
    private static partial Regex SecretName();

    [GeneratedRegex(@"^[A-Za-z0-9-]+\z")]
    private static partial Regex HeaderName();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*$")]
    private static partial Regex ActionId();

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex ParameterName();
}
