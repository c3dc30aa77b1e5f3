using Agents.Contracts.Context;

namespace Agents.Context.Bench;

/// <summary>One incident's collection: its service, how long it took, the context and that context's size in bytes.</summary>
internal sealed record Collected(string Service, double Milliseconds, IncidentContext Context, int Bytes);
