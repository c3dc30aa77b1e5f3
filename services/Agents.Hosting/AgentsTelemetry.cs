using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Agents.Hosting;

/// <summary>The project's own activity source and meter, shared by every service.</summary>
public static class AgentsTelemetry
{
    public const string Name = "Agents";

    public static ActivitySource ActivitySource { get; } = new(Name);

    public static Meter Meter { get; } = new(Name);
}
