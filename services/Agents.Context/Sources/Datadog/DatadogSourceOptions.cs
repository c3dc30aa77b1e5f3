namespace Agents.Context.Sources.Datadog;

/// <summary>
/// Configuration section <c>Context:Sources:Datadog</c> (<c>Context__Sources__Datadog__Url</c> ...). <see cref="ContextSourceOptions.Url"/>
/// is the API host of the organisation's Datadog site, e.g. <c>https://api.datadoghq.com</c> (US1) or
/// <c>https://api.datadoghq.eu</c> (EU1). Both keys are needed (the query, events and logs endpoints ask for an API key
/// and an application key); they come from the environment or a Secret and are never logged. The source is off unless
/// the URL and both keys are set.
/// </summary>
public sealed class DatadogSourceOptions : ContextSourceOptions
{
    /// <summary>Sent as <c>DD-API-KEY</c>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Sent as <c>DD-APPLICATION-KEY</c>; needs the <c>timeseries_query</c>, <c>events_read</c> and <c>logs_read_data</c> permissions.</summary>
    public string? ApplicationKey { get; set; }

    public override bool IsEnabled => Url is not null && !string.IsNullOrWhiteSpace(ApiKey) && !string.IsNullOrWhiteSpace(ApplicationKey);
}
