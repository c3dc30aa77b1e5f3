using System.Diagnostics;
using OpenTelemetry.Trace;

namespace Agents.Hosting;

/// <summary>
/// The root sampler: drops a client span that starts a trace of its own (the scheduler's store polling every few
/// seconds, start-up migrations, the resumer's query), which would bury the incidents' traces in Jaeger under
/// thousands of one-span traces. Everything that belongs to a message or a request has a parent and is kept.
/// </summary>
internal sealed class BackgroundClientSpansDropped : Sampler
{
    private static readonly SamplingResult Keep = new(SamplingDecision.RecordAndSample);
    private static readonly SamplingResult Drop = new(SamplingDecision.Drop);

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        samplingParameters.Kind == ActivityKind.Client ? Drop : Keep;
}
