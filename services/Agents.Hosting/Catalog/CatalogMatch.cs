namespace Agents.Hosting.Catalog;

/// <summary>A catalog entry an alert matched, and how (e.g. <c>labels app=checkout</c>, <c>PagerDuty service PABC123</c> or <c>alert service checkout-api, an alias</c>).</summary>
public sealed record CatalogMatch(CatalogEntry Entry, string MatchedBy);
