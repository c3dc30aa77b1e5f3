using System.Globalization;

namespace Agents.Context.Sources.CloudWatch;

/// <summary>
/// One member of <c>GetMetricData</c>'s <c>MetricDataQueries</c>: either a metric's statistic (<see cref="MetricStat"/>) or a
/// metric math expression over other queries' ids (<see cref="Expression"/>). <see cref="ReturnData"/> false: the query only
/// feeds an expression and its points are not returned.
/// </summary>
internal sealed record MetricDataQuery
{
    /// <summary>Letters, digits and underscores, starting with a lower-case letter; unique in one call.</summary>
    public required string Id { get; init; }

    public MetricStatQuery? MetricStat { get; init; }

    public string? Expression { get; init; }

    public string? Label { get; init; }

    public bool ReturnData { get; init; } = true;

    /// <summary>Its parameters in the AWS query protocol, as member <paramref name="index"/> (1-based) of <c>MetricDataQueries</c>.</summary>
    public IEnumerable<KeyValuePair<string, string>> ToParameters(int index)
    {
        var prefix = string.Create(CultureInfo.InvariantCulture, $"MetricDataQueries.member.{index}.");
        yield return new(prefix + "Id", Id);
        if (Label is not null)
        {
            yield return new(prefix + "Label", Label);
        }

        yield return new(prefix + "ReturnData", ReturnData ? "true" : "false");
        if (Expression is not null)
        {
            yield return new(prefix + "Expression", Expression);
        }

        if (MetricStat is { } stat)
        {
            yield return new(prefix + "MetricStat.Metric.Namespace", stat.Namespace);
            yield return new(prefix + "MetricStat.Metric.MetricName", stat.MetricName);
            var n = 0;
            foreach (var (name, value) in stat.SortedDimensions())
            {
                n++;
                var dimension = string.Create(CultureInfo.InvariantCulture, $"{prefix}MetricStat.Metric.Dimensions.member.{n}.");
                yield return new(dimension + "Name", name);
                yield return new(dimension + "Value", value);
            }

            yield return new(prefix + "MetricStat.Period", stat.Period.ToString(CultureInfo.InvariantCulture));
            yield return new(prefix + "MetricStat.Stat", stat.Stat);
        }
    }
}
