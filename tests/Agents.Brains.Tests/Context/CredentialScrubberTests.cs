using Agents.Context.Sources;

namespace Agents.Brains.Tests.Context;

public sealed class CredentialScrubberTests
{
    [Theory]
    [InlineData("auth failed: Authorization: Bearer abc.def-123", "auth failed: Authorization: [redacted]")]
    [InlineData("retrying with bearer sk_live_51HxyzABC", "retrying with Bearer [redacted]")]
    [InlineData("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2lnbmF0dXJl expired", "token [redacted] expired")]
    [InlineData("connect postgres://app:s3cr3t@db:5432/orders failed", "connect postgres://[redacted]@db:5432/orders failed")]
    [InlineData("login password=hunter2 user=bob", "login password=[redacted] user=bob")]
    [InlineData("{\"api_key\": \"k-123\", \"n\": 1}", "{\"api_key\": \"[redacted]\", \"n\": 1}")]
    [InlineData("GET /x?token=abc123&page=2", "GET /x?token=[redacted]&page=2")]
    [InlineData("key AKIAIOSFODNN7EXAMPLE used", "key [redacted] used")]
    [InlineData("NullReferenceException at OrderService.Pay line 42", "NullReferenceException at OrderService.Pay line 42")]
    public void Credentials_in_text_from_outside_are_redacted_and_the_rest_is_kept(string text, string expected) =>
        Assert.Equal(expected, CredentialScrubber.Scrub(text));

    [Fact]
    public void Every_source_text_passes_through_the_scrubber_before_it_is_cut()
    {
        var bounds = new ContextBounds { MaxTextLength = 50 };

        var shortened = bounds.Shorten("upstream said: Authorization: Basic dXNlcjpwYXNzd29yZA== and more text after it");

        Assert.DoesNotContain("dXNlcjpwYXNzd29yZA", shortened, StringComparison.Ordinal);
        Assert.StartsWith("upstream said: Authorization: [redacted]", shortened, StringComparison.Ordinal);
        Assert.Equal(50, shortened.Length);
    }
}
