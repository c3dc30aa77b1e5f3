using System.ComponentModel.DataAnnotations;

namespace Agents.Context.Sources.PagerDuty;

/// <summary>
/// Configuration section <c>Context:Sources:PagerDuty</c> (<c>Context__Sources__PagerDuty__Url</c> ...): the PagerDuty REST
/// API v2 (e.g. <c>https://api.pagerduty.com</c>) whose incident history is read, and the REST API key (from a Secret)
/// sent as <c>Authorization: Token token=KEY</c>. A read-only key is enough.
/// </summary>
public sealed class PagerDutyHistorySourceOptions : ContextSourceOptions
{
    /// <summary>The REST API key; never logged nor written into an error.</summary>
    public string? ApiToken { get; set; }

    /// <summary>How many days of history before the alert are searched. Default 30; at most 180 (the API's 6-month limit).</summary>
    [Range(1, 180)]
    public int LookbackDays { get; set; } = 30;

    /// <summary>How many pages of 100 incidents are read at most. Default 5.</summary>
    [Range(1, 50)]
    public int MaxPages { get; set; } = 5;
}
