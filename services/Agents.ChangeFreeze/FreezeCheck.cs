using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Agents.Contracts.Steps;

namespace Agents.ChangeFreeze;

/// <summary>A freeze window of the step's settings: no automatic change to <see cref="Services"/> (null: every service) from <see cref="Start"/> until <see cref="End"/>.</summary>
public sealed record FreezeWindow(string Name, DateTimeOffset Start, DateTimeOffset End, IReadOnlyList<string>? Services)
{
    /// <summary>Whether <paramref name="now"/> is inside the window: from its start (included) to its end (excluded).</summary>
    public bool Covers(DateTimeOffset now) => Start <= now && now < End;

    /// <summary>Whether the window freezes <paramref name="service"/>; a window of every service freezes an unknown one too.</summary>
    public bool Freezes(string? service) =>
        Services is null || (service is not null && Services.Contains(service, StringComparer.OrdinalIgnoreCase));
}

/// <summary>What the check found: the step completes (<see cref="Clear"/>) or fails (<see cref="Frozen"/>, <see cref="Invalid"/>).</summary>
public abstract record FreezeVerdict
{
    private FreezeVerdict()
    {
    }

    /// <summary>No window in force covers the service.</summary>
    public sealed record Clear(string? Service, int WindowsChecked, DateTimeOffset CheckedAt) : FreezeVerdict;

    /// <summary>A window in force covers the service (or may: the incident names none); <see cref="Reason"/> says which.</summary>
    public sealed record Frozen(FreezeWindow Window, string? Service, string Reason) : FreezeVerdict;

    /// <summary>The settings are not a valid list of windows; <see cref="Reason"/> names every problem.</summary>
    public sealed record Invalid(string Reason) : FreezeVerdict;
}

/// <summary>
/// The change-freeze rule, pure: the step's <c>settings</c> (<c>{"windows": [{"name", "start", "end", "services"?}]}</c>),
/// the incident's service (<c>triage.service</c>, else <c>alert.service</c>) and the time decide the reply.
/// </summary>
public static partial class FreezeCheck
{
    /// <summary>The most windows one step's settings may hold.</summary>
    public const int MaxWindows = 100;

    private static readonly string[] WindowFields = ["name", "start", "end", "services"];

    /// <summary>Why a command cannot be answered at all (no incident, attempt or step to answer to), or null.</summary>
    public static string? Unanswerable(RunIncidentStep command)
    {
        var problems = new List<string>();
        if (command.IncidentId == Guid.Empty)
        {
            problems.Add("no incidentId");
        }

        if (command.Attempt < 1)
        {
            problems.Add($"attempt {command.Attempt} (1 or more expected)");
        }

        if (string.IsNullOrWhiteSpace(command.Step))
        {
            problems.Add("no step");
        }

        return problems.Count == 0 ? null : $"RunIncidentStep without what a reply needs: {string.Join(", ", problems)}";
    }

    /// <summary>The reply to <paramref name="command"/> at <paramref name="now"/>: an <see cref="IncidentStepCompleted"/> or an <see cref="IncidentStepFailed"/>.</summary>
    public static object Reply(RunIncidentStep command, DateTimeOffset now) =>
        Check(command.Settings, command.Incident, now) switch
        {
            FreezeVerdict.Clear clear => new IncidentStepCompleted
            {
                IncidentId = command.IncidentId,
                Attempt = command.Attempt,
                Step = command.Step,
                Result = JsonSerializer.SerializeToElement(new
                {
                    frozen = false,
                    checkedAt = clear.CheckedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                    service = clear.Service,
                    windowsChecked = clear.WindowsChecked,
                }),
            },
            FreezeVerdict.Frozen frozen => Failed(command, frozen.Reason),
            FreezeVerdict.Invalid invalid => Failed(command, invalid.Reason),
            _ => throw new InvalidOperationException("unknown verdict"),
        };

    /// <summary>Checks the windows of <paramref name="settings"/> against the service of <paramref name="incident"/> at <paramref name="now"/>.</summary>
    public static FreezeVerdict Check(JsonElement settings, JsonElement incident, DateTimeOffset now)
    {
        var (windows, problems) = ParseSettings(settings);
        if (problems.Count > 0)
        {
            return new FreezeVerdict.Invalid(Cut($"invalid change-freeze settings: {string.Join("; ", problems)}"));
        }

        var service = ServiceOf(incident);
        // Of the windows in force for the service, the one that lasts longest says until when.
        var frozen = windows.Where(w => w.Covers(now) && w.Freezes(service)).MaxBy(w => w.End);
        if (frozen is null && service is null)
        {
            // No service to compare: a window in force for some services might be this incident's.
            frozen = windows.Where(w => w.Covers(now)).MaxBy(w => w.End);
        }

        return frozen is null
            ? new FreezeVerdict.Clear(service, windows.Count, now)
            : new FreezeVerdict.Frozen(frozen, service, Cut(ReasonFor(frozen, service)));
    }

    /// <summary>The incident's service: <c>triage.service</c>, else <c>alert.service</c>; null when neither names one.</summary>
    public static string? ServiceOf(JsonElement incident) =>
        StringAt(incident, "triage", "service") ?? StringAt(incident, "alert", "service");

    /// <summary>The windows of <paramref name="settings"/>, or every problem with them (each with its path).</summary>
    public static (IReadOnlyList<FreezeWindow> Windows, IReadOnlyList<string> Problems) ParseSettings(JsonElement settings)
    {
        if (settings.ValueKind != JsonValueKind.Object)
        {
            return ([], [$"settings: a JSON object {{\"windows\": [...]}} expected, not {Describe(settings)}"]);
        }

        var problems = new List<string>();
        problems.AddRange(settings.EnumerateObject().Where(p => p.Name != "windows")
            .Select(p => $"settings.{p.Name}: unknown field (the settings have only windows)"));
        if (!settings.TryGetProperty("windows", out var list) || list.ValueKind == JsonValueKind.Null)
        {
            // No windows: nothing is ever frozen.
            return ([], problems);
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            problems.Add($"settings.windows: a list of windows expected, not {Describe(list)}");
            return ([], problems);
        }

        if (list.GetArrayLength() > MaxWindows)
        {
            problems.Add($"settings.windows: {list.GetArrayLength()} windows, at most {MaxWindows}");
            return ([], problems);
        }

        var windows = new List<FreezeWindow>();
        var index = 0;
        foreach (var item in list.EnumerateArray())
        {
            if (ParseWindow(item, $"settings.windows[{index}]", problems) is { } window)
            {
                windows.Add(window);
            }

            index++;
        }

        return (problems.Count == 0 ? windows : [], problems);
    }

    private static FreezeWindow? ParseWindow(JsonElement item, string path, List<string> problems)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{path}: a window {{name, start, end, services}} expected, not {Describe(item)}");
            return null;
        }

        var before = problems.Count;
        problems.AddRange(item.EnumerateObject().Where(p => !WindowFields.Contains(p.Name))
            .Select(p => $"{path}.{p.Name}: unknown field (a window has {string.Join(", ", WindowFields)})"));

        var name = path;
        if (item.TryGetProperty("name", out var nameValue) && nameValue.ValueKind != JsonValueKind.Null)
        {
            if (nameValue.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(nameValue.GetString()))
            {
                name = nameValue.GetString()!.Trim();
            }
            else
            {
                problems.Add($"{path}.name: a non-empty string expected, not {Describe(nameValue)}");
            }
        }

        var start = Instant(item, "start", path, problems);
        var end = Instant(item, "end", path, problems);
        if (start is { } from && end is { } until && until <= from)
        {
            problems.Add($"{path}: end {Format(until)} is not after start {Format(from)}");
        }

        IReadOnlyList<string>? services = null;
        if (item.TryGetProperty("services", out var servicesValue) && servicesValue.ValueKind != JsonValueKind.Null)
        {
            if (servicesValue.ValueKind != JsonValueKind.Array)
            {
                problems.Add($"{path}.services: a list of service names expected, not {Describe(servicesValue)} (leave it out to freeze every service)");
            }
            else if (servicesValue.GetArrayLength() == 0)
            {
                problems.Add($"{path}.services: an empty list freezes nothing (leave it out to freeze every service)");
            }
            else if (servicesValue.EnumerateArray().Any(s => s.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(s.GetString())))
            {
                problems.Add($"{path}.services: every entry must be a non-empty service name");
            }
            else
            {
                services = servicesValue.EnumerateArray().Select(s => s.GetString()!.Trim()).ToList();
            }
        }

        return problems.Count == before ? new FreezeWindow(name, start!.Value, end!.Value, services) : null;
    }

    private static DateTimeOffset? Instant(JsonElement window, string field, string path, List<string> problems)
    {
        if (!window.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            problems.Add($"{path}.{field}: missing (a date-time with an offset, e.g. 2026-12-20T00:00:00Z)");
            return null;
        }

        // An offset is required: a time without one would mean whatever zone the agent happens to run in.
        if (value.ValueKind == JsonValueKind.String && WithOffset().IsMatch(value.GetString()!) && value.TryGetDateTimeOffset(out var instant))
        {
            return instant;
        }

        problems.Add($"{path}.{field}: {Describe(value)} is not an ISO 8601 date-time with an offset (e.g. 2026-12-20T00:00:00Z)");
        return null;
    }

    private static string ReasonFor(FreezeWindow window, string? service)
    {
        var until = Format(window.End);
        if (service is not null)
        {
            return $"change freeze '{window.Name}' is in force for {service} until {until}: no automatic remediation";
        }

        return window.Services is null
            ? $"change freeze '{window.Name}' is in force for every service until {until}: no automatic remediation"
            : $"change freeze '{window.Name}' is in force for {string.Join(", ", window.Services)} until {until}, and the incident names no service " +
              "(neither triage.service nor alert.service), so it may be one of them: no automatic remediation";
    }

    private static IncidentStepFailed Failed(RunIncidentStep command, string reason) => new()
    {
        IncidentId = command.IncidentId,
        Attempt = command.Attempt,
        Step = command.Step,
        Reason = reason,
    };

    private static string? StringAt(JsonElement element, string segment, string field) =>
        element.ValueKind == JsonValueKind.Object
        && element.TryGetProperty(segment, out var inner)
        && inner.ValueKind == JsonValueKind.Object
        && inner.TryGetProperty(field, out var value)
        && value.ValueKind == JsonValueKind.String
        && !string.IsNullOrWhiteSpace(value.GetString())
            ? value.GetString()!.Trim()
            : null;

    private static string Format(DateTimeOffset instant) =>
        instant.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Undefined => "nothing",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => $"'{Shorten(value.GetString()!)}'",
        _ => value.GetRawText(),
    };

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "…";

    private static string Cut(string reason) =>
        reason.Length <= StepLimits.MaxReasonLength ? reason : reason[..(StepLimits.MaxReasonLength - 1)] + "…";

    [GeneratedRegex(@"(?:[zZ]|[+-]\d{2}:?\d{2})$")]
    private static partial Regex WithOffset();
}
