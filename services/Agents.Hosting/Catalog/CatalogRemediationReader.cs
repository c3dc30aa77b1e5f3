using System.Globalization;
using Agents.Contracts.Remediation;
using YamlDotNet.RepresentationModel;

namespace Agents.Hosting.Catalog;

/// <summary>
/// Reads an entry's <c>remediation</c> section into <see cref="RemediationSettings"/>. A key left out takes the
/// inherited section's value (the default entry's); <c>verify</c> and <c>freeze</c> are replaced as a whole; the section
/// set to null drops the inherited one. An empty list (the placeholder of earlier catalogs) reads as left out.
/// </summary>
internal static class CatalogRemediationReader
{
    public static readonly string[] Keys = ["mode", "actions", "cooldown", "approvalTimeout", "verify", "freeze"];
    public static readonly string[] VerifyKeys = ["query", "below", "above", "for", "within", "every"];
    public static readonly string[] FreezeKeys = ["from", "to", "days", "timezone", "reason"];

    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    public static RemediationSettings? Read(CatalogSection entry, RemediationSettings? inherited, TemplateScope scope)
    {
        const string key = "remediation";
        if (!entry.Has(key) || entry.Value(key) is YamlSequenceNode { Children.Count: 0 })
        {
            return inherited;
        }

        if (entry.Section(key, Keys) is not { } section)
        {
            return null;
        }

        var settings = inherited ?? new RemediationSettings();
        if (section.Has("mode"))
        {
            var mode = section.String("mode");
            if (mode is not null && !RemediationModes.All.Contains(mode, StringComparer.Ordinal))
            {
                section.Errors.Add(section.Place("mode"), section.At("mode"), $"'{mode}' is not one of {string.Join(", ", RemediationModes.All)}");
            }

            settings = settings with { Mode = mode };
        }

        if (section.Has("actions"))
        {
            settings = settings with { Actions = Actions(section) };
        }

        if (section.Has("cooldown"))
        {
            settings = settings with { Cooldown = Duration(section, "cooldown", RemediationSettings.DefaultCooldown, allowZero: true) };
        }

        if (section.Has("approvalTimeout"))
        {
            settings = settings with { ApprovalTimeout = Duration(section, "approvalTimeout", RemediationSettings.DefaultApprovalTimeout, allowZero: false) };
        }

        if (section.Has("verify"))
        {
            settings = settings with { Verify = section.Section("verify", VerifyKeys) is { } verify ? Verify(verify, scope) : null };
        }

        if (section.Has("freeze"))
        {
            settings = settings with { Freeze = Freeze(section) };
        }

        return settings;
    }

    private static List<string>? Actions(CatalogSection section)
    {
        if (section.Strings("actions") is not { } given)
        {
            return null;
        }

        var actions = new List<string>();
        foreach (var (action, node) in given)
        {
            if (actions.Contains(action, StringComparer.Ordinal))
            {
                section.Errors.Add(node, section.At("actions"), $"'{action}' is listed twice");
                continue;
            }

            actions.Add(action);
        }

        return actions;
    }

    private static RemediationVerification Verify(CatalogSection section, TemplateScope scope)
    {
        var query = section.String("query");
        if (query is not null)
        {
            CatalogSourceReader.CheckPlaceholders(section, section.At("query"), section.Place("query"), query, scope);
        }

        var below = Number(section, "below");
        var above = Number(section, "above");
        var hasBelow = section.Has("below") && !section.IsNull("below");
        var hasAbove = section.Has("above") && !section.IsNull("above");
        if (query is not null && hasBelow == hasAbove)
        {
            section.Errors.Add(section.Place("query"), section.At("query"), hasBelow
                ? "has both below and above; give one (the value must stay below, or above, the threshold)"
                : "has neither below nor above: give the threshold the value must stay below (or above)");
        }
        else if (query is null && (hasBelow || hasAbove))
        {
            var bound = hasBelow ? "below" : "above";
            section.Errors.Add(section.Place(bound), section.At(bound), $"{bound} needs a query: the PromQL expression whose value is compared");
        }

        var defaults = new RemediationVerification();
        var hold = Duration(section, "for", defaults.For, allowZero: true);
        var within = Duration(section, "within", defaults.Within, allowZero: false);
        var every = Duration(section, "every", defaults.Every, allowZero: false);
        if (hold > within)
        {
            section.Errors.Add(section.Place("for"), section.At("for"),
                $"{Durations.Format(hold)} is longer than within ({Durations.Format(within)}): the value could never hold long enough in time");
        }

        return new RemediationVerification { Query = query, Below = below, Above = above, For = hold, Within = within, Every = every };
    }

    private static List<FreezeWindow> Freeze(CatalogSection remediation)
    {
        var windows = new List<FreezeWindow>();
        foreach (var (node, path) in remediation.Items("freeze") ?? [])
        {
            if (CatalogSection.Read(remediation.Errors, node, path, FreezeKeys) is { } section && Window(section) is { } window)
            {
                windows.Add(window);
            }
        }

        return windows;
    }

    private static FreezeWindow? Window(CatalogSection section)
    {
        var before = section.Errors.Count;
        var from = section.RequiredString("from", "when the window starts: an instant such as 2026-12-20T00:00:00Z, or a time of day such as 16:00");
        var to = section.RequiredString("to", "when the window ends: an instant such as 2027-01-04T00:00:00Z, or a time of day such as 23:59");
        var reason = section.String("reason");
        var daily = section.Has("days") || (from is not null && TimeOnly.TryParseExact(from, "H:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out _));
        if (from is null || to is null)
        {
            return null;
        }

        if (!daily)
        {
            if (section.Has("timezone"))
            {
                section.Errors.Add(section.Place("timezone"), section.At("timezone"), "applies to daily windows only (from and to as times of day); an instant carries its own offset");
            }

            var start = Instant(section, "from", from);
            var end = Instant(section, "to", to);
            if (start is not null && end is not null && start >= end)
            {
                section.Errors.Add(section.Place("to"), section.At("to"), $"'{to}' is not after from ('{from}')");
            }

            return section.Errors.Count > before ? null : new FreezeWindow { Start = start, End = end, Reason = reason };
        }

        var first = TimeOfDay(section, "from", from);
        var last = TimeOfDay(section, "to", to);
        if (first is not null && last is not null && first >= last)
        {
            section.Errors.Add(section.Place("to"), section.At("to"), $"'{to}' is not after from ('{from}'); a window across midnight is written as two windows");
        }

        var days = new List<DayOfWeek>();
        foreach (var (day, node) in section.Strings("days") ?? [])
        {
            var index = Array.IndexOf(DayNames, day.ToLowerInvariant());
            if (index < 0)
            {
                section.Errors.Add(node, section.At("days"), $"'{day}' is not a day (known: {string.Join(", ", DayNames)})");
            }
            else if (days.Contains((DayOfWeek)index))
            {
                section.Errors.Add(node, section.At("days"), $"'{day}' is listed twice");
            }
            else
            {
                days.Add((DayOfWeek)index);
            }
        }

        var zone = TimeZoneInfo.Utc;
        if (section.String("timezone") is { } id)
        {
            if (!TimeZoneInfo.TryFindSystemTimeZoneById(id, out var found))
            {
                section.Errors.Add(section.Place("timezone"), section.At("timezone"), $"'{id}' is not a known time zone (an IANA name such as Europe/Berlin, or UTC)");
            }
            else
            {
                zone = found;
            }
        }

        return section.Errors.Count > before
            ? null
            : new FreezeWindow { Days = days, DailyFrom = first, DailyTo = last, TimeZone = zone, Reason = reason };
    }

    private static DateTimeOffset? Instant(CatalogSection section, string key, string text)
    {
        if (DateTimeOffset.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"],
                CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant)
            && (text.EndsWith('Z') || text.EndsWith("z", StringComparison.Ordinal) || text.Length > 6 && text[^6] is '+' or '-'))
        {
            return instant;
        }

        section.Errors.Add(section.Place(key), section.At(key), $"'{text}' is not an instant with its offset (e.g. 2026-12-20T00:00:00Z) nor, with days, a time of day (e.g. 16:00)");
        return null;
    }

    private static TimeOnly? TimeOfDay(CatalogSection section, string key, string text)
    {
        if (TimeOnly.TryParseExact(text, "H:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            return time;
        }

        section.Errors.Add(section.Place(key), section.At(key), $"'{text}' is not a time of day (HH:mm, e.g. 16:00)");
        return null;
    }

    private static double? Number(CatalogSection section, string key)
    {
        if (section.String(key) is not { } text)
        {
            return null;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }

        section.Errors.Add(section.Place(key), section.At(key), $"'{text}' is not a number");
        return null;
    }

    private static TimeSpan Duration(CatalogSection section, string key, TimeSpan fallback, bool allowZero)
    {
        if (section.String(key) is not { } text)
        {
            return fallback;
        }

        if (Durations.TryParse(text, out var duration) && (allowZero || duration > TimeSpan.Zero))
        {
            return duration;
        }

        section.Errors.Add(section.Place(key), section.At(key), $"'{text}' is not a {(allowZero ? "" : "positive ")}duration (e.g. 30s, 5m, 1h)");
        return fallback;
    }
}
