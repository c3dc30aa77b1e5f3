using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Agents.Remediation.Runbooks;

/// <summary>
/// The shape a parameter's value must have before any executor sees it, whatever the incident: a service is a
/// Kubernetes DNS-1123 label (lower-case letters, digits and dashes, at most 63), a version is a letter or digit then
/// letters, digits and <c>. _ + -</c> (at most 128; no whitespace, no shell metacharacters), an integer is a whole
/// number within the parameter's min..max, free text is letters, digits and <c>. _ : / -</c> (at most 128). Also how
/// values are put into executor templates: URL-encoded into a URL, JSON-escaped into a body.
/// </summary>
public static partial class ParameterRules
{
    /// <summary>The longest Kubernetes object name (DNS-1123 subdomain).</summary>
    public const int MaxNameLength = 253;

    /// <summary>The longest DNS-1123 label (service names, label values).</summary>
    public const int MaxLabelLength = 63;

    /// <summary>Whether <paramref name="value"/> is a DNS-1123 label (at most 63 characters).</summary>
    public static bool IsDnsLabel(string value) => value.Length <= MaxLabelLength && DnsLabel().IsMatch(value);

    /// <summary>Whether <paramref name="value"/> is a Kubernetes object name (a DNS-1123 subdomain, at most 253 characters).</summary>
    public static bool IsObjectName(string value) =>
        value.Length <= MaxNameLength && value.Split('.').All(part => part.Length > 0 && DnsLabel().IsMatch(part));

    /// <summary>Whether <paramref name="value"/> is a version a step may use (no whitespace, no shell metacharacters).</summary>
    public static bool IsVersion(string value) => Version().IsMatch(value);

    /// <summary>What is wrong with <paramref name="value"/> for <paramref name="parameter"/>, or null.</summary>
    public static string? Problem(RunbookParameter parameter, string value)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        ArgumentNullException.ThrowIfNull(value);
        switch (parameter.Type)
        {
            case RunbookParameterType.Service:
                return IsDnsLabel(value)
                    ? null
                    : $"{parameter.Name} '{Shown(value)}' is not a valid Kubernetes name (DNS-1123: lower-case letters, digits and '-', starting and ending with a letter or digit, at most {MaxLabelLength})";

            case RunbookParameterType.Version:
                return IsVersion(value)
                    ? null
                    : $"{parameter.Name} '{Shown(value)}' is not a valid version (a letter or digit, then letters, digits, '.', '_', '+', '-'; at most 128; no whitespace or shell characters)";

            case RunbookParameterType.Integer:
                if (!long.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out var number))
                {
                    return $"{parameter.Name} '{Shown(value)}' is not a whole number";
                }

                return number < parameter.Min || number > parameter.Max
                    ? $"{parameter.Name} {number} is outside the allowed range {parameter.Min?.ToString(CultureInfo.InvariantCulture) ?? "…"}..{parameter.Max?.ToString(CultureInfo.InvariantCulture) ?? "…"}"
                    : null;

            default:
                // Free text never reaches a step as it is: a value that could be read as a command, a path trick or
                // markup (anything beyond letters, digits and . _ : / - , at most 128 characters) is refused.
                return SafeText().IsMatch(value)
                    ? null
                    : $"{parameter.Name} has characters a runbook parameter may not contain (allowed: letters, digits, . _ : / -; at most 128)";
        }
    }

    /// <summary>
    /// Every problem of <paramref name="values"/> for <paramref name="action"/> (undeclared names, missing required
    /// values, values of the wrong shape, a value a <c>run:</c> step needs that is not given), joined by "; "; null when
    /// there is none.
    /// </summary>
    public static string? Problems(RunbookAction action, IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(values);
        var problems = new List<string>();
        foreach (var (name, value) in values)
        {
            if (!action.Parameters.TryGetValue(name, out var parameter))
            {
                problems.Add($"'{Shown(name)}' is not a parameter of {action.Id}");
            }
            else if (Problem(parameter, value) is { } problem)
            {
                problems.Add(problem);
            }
        }

        var used = action.Run.SelectMany(s => s.Templates).SelectMany(RunbookCatalog.RunPlaceholders).ToHashSet(StringComparer.Ordinal);
        foreach (var parameter in action.Parameters.Values.Where(p => (p.Required || used.Contains(p.Name)) && !values.ContainsKey(p.Name)))
        {
            problems.Add($"the parameter '{parameter.Name}' is missing");
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    /// <summary>A value of the parameter's type, used to check templates at load.</summary>
    public static string Sample(RunbookParameter parameter) => parameter.Type switch
    {
        RunbookParameterType.Service => "sample-service",
        RunbookParameterType.Version => "1.0.0",
        RunbookParameterType.Integer => (parameter.Min ?? parameter.Max ?? 1).ToString(CultureInfo.InvariantCulture),
        _ => "sample",
    };

    /// <summary>A value as it goes into a URL (percent-encoded).</summary>
    public static string UrlEncoded(string value) => Uri.EscapeDataString(value);

    /// <summary>A value as it goes into a JSON body (escaped, without quotes: the template places the quotes).</summary>
    public static string JsonEscaped(string value) => JsonEncodedText.Encode(value, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString();

    /// <summary>A value as shown in a refusal: at most 64 characters, control characters replaced.</summary>
    private static string Shown(string value)
    {
        var clean = new string(value.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return clean.Length <= 64 ? clean : clean[..64] + "…";
    }

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?\z")]
    private static partial Regex DnsLabel();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}\z")]
    private static partial Regex Version();

    [GeneratedRegex(@"^[A-Za-z0-9._:/-]{1,128}\z")]
    private static partial Regex SafeText();
}
