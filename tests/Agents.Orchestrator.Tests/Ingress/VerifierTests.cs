using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Agents.Ingress;
using Agents.Ingress.Verification;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Agents.Orchestrator.Tests.Ingress;

public sealed class VerifierTests
{
    private const string Token = "am-token-0123456789abcdef";
    private const string Username = "alertmanager";
    private const string Password = "basic-password-0123456789";
    private const string Secret = "whsec-current-0123456789abcdef";
    private const string OldSecret = "whsec-previous-0123456789abcdef";

    private static readonly DateTimeOffset Now = new(2026, 11, 24, 2, 15, 0, TimeSpan.Zero);

    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"source": "cron-monitor", "summary": "late"}""");

    private static readonly AlertmanagerVerifier Alertmanager = new();
    private static readonly PagerDutyVerifier PagerDuty = new();
    private static readonly GenericVerifier Generic = new(Options.Create(new IngressOptions()));

    private static HeaderDictionary Headers(string name, string value) => new() { [name] = value };

    private static HeaderDictionary Authorization(string value) => Headers("Authorization", value);

    private static string Basic(string credentials) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials));

    private static string Hmac(string secret, byte[] data)
    {
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
        return Convert.ToHexString(hmac.ComputeHash(data)).ToLowerInvariant();
    }

    private static string Unix(DateTimeOffset time) => time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>What a generic sender signs: the timestamp as sent, a dot, the body.</summary>
    private static byte[] Stamped(string t, byte[] body) => [.. Encoding.ASCII.GetBytes(t + "."), .. body];

    private static string GenericSignature(string secret, DateTimeOffset signedAt, byte[]? body = null)
    {
        var t = Unix(signedAt);
        return $"t={t},v1={Hmac(secret, Stamped(t, body ?? Body))}";
    }

    private static void Refused(Verdict verdict, string reason)
    {
        Assert.False(verdict.Verified);
        Assert.Null(verdict.Method);
        Assert.Equal(reason, verdict.Reason);
        Assert.DoesNotContain(Token, verdict.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, verdict.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, verdict.Message, StringComparison.Ordinal);
    }

    private static void VerifiedBy(Verdict verdict, string method)
    {
        Assert.True(verdict.Verified);
        Assert.Equal(method, verdict.Method);
    }

    // Alertmanager: bearer token or basic authentication.
    private static readonly WebhookSource BearerSource = new() { Token = Token };
    private static readonly WebhookSource BasicSource = new() { Username = Username, Password = Password };

    [Fact]
    public void Only_signatures_need_the_body_so_tokens_and_basic_auth_are_checked_before_it_is_read()
    {
        Assert.False(Alertmanager.NeedsBody(Authorization("Bearer x")));
        Assert.False(Alertmanager.NeedsBody(new HeaderDictionary()));
        Assert.True(PagerDuty.NeedsBody(new HeaderDictionary()));
        Assert.True(Generic.NeedsBody(Headers(GenericVerifier.SignatureHeader, "t=1,v1=00")));
        Assert.False(Generic.NeedsBody(Authorization("Bearer x")));
    }

    [Fact]
    public void Alertmanager_bearer_token_of_the_source_is_verified()
    {
        VerifiedBy(Alertmanager.Verify(Authorization("Bearer " + Token), Body, BearerSource, Now), "bearer");
    }

    [Fact]
    public void Alertmanager_bearer_scheme_is_case_insensitive()
    {
        VerifiedBy(Alertmanager.Verify(Authorization("bearer " + Token), Body, BearerSource, Now), "bearer");
    }

    [Theory]
    [InlineData("Bearer am-token-0123456789abcdeF")]
    [InlineData("Bearer am-token-0123456789abcde")]
    [InlineData("Bearer am-token-0123456789abcdef0")]
    [InlineData("Bearer ")]
    [InlineData("Bearer")]
    [InlineData("")]
    public void Alertmanager_wrong_or_missing_bearer_token_is_unauthenticated(string authorization)
    {
        var headers = authorization.Length == 0 ? new HeaderDictionary() : Authorization(authorization);

        Refused(Alertmanager.Verify(headers, Body, BearerSource, Now), Verdict.Unauthenticated);
    }

    [Fact]
    public void Alertmanager_basic_credentials_of_the_source_are_verified()
    {
        VerifiedBy(Alertmanager.Verify(Authorization(Basic($"{Username}:{Password}")), Body, BasicSource, Now), "basic");
    }

    [Fact]
    public void Alertmanager_basic_password_may_hold_a_colon()
    {
        var source = new WebhookSource { Username = Username, Password = "pass:word:0123456789" };

        VerifiedBy(Alertmanager.Verify(Authorization(Basic($"{Username}:pass:word:0123456789")), Body, source, Now), "basic");
    }

    [Theory]
    [InlineData("alertmanager:basic-password-012345678")]
    [InlineData("alertmanager:")]
    [InlineData("grafana:basic-password-0123456789")]
    [InlineData(":basic-password-0123456789")]
    [InlineData("alertmanager")]
    [InlineData("alertmanagerbasic-password-0123456789")]
    public void Alertmanager_basic_with_a_wrong_user_or_password_is_unauthenticated(string credentials)
    {
        Refused(Alertmanager.Verify(Authorization(Basic(credentials)), Body, BasicSource, Now), Verdict.Unauthenticated);
    }

    [Fact]
    public void Alertmanager_basic_for_a_source_without_username_is_unauthenticated()
    {
        Refused(Alertmanager.Verify(Authorization(Basic($"{Username}:{Token}")), Body, BearerSource, Now), Verdict.Unauthenticated);
        Refused(Alertmanager.Verify(Authorization(Basic($":{Token}")), Body, BearerSource, Now), Verdict.Unauthenticated);
        Refused(Alertmanager.Verify(Authorization(Basic(Token)), Body, BearerSource, Now), Verdict.Unauthenticated);
    }

    [Fact]
    public void Alertmanager_source_with_a_password_but_no_username_refuses_basic()
    {
        var source = new WebhookSource { Password = Password };

        Refused(Alertmanager.Verify(Authorization(Basic($":{Password}")), Body, source, Now), Verdict.Unauthenticated);
    }

    [Fact]
    public void Alertmanager_basic_credentials_are_not_a_bearer_token()
    {
        Refused(Alertmanager.Verify(Authorization("Bearer " + Password), Body, BasicSource, Now), Verdict.Unauthenticated);
    }

    [Theory]
    [InlineData("Token " + Token)]
    [InlineData(Token)]
    [InlineData("Bearer" + Token)]
    [InlineData("Digest " + Token)]
    public void Alertmanager_other_scheme_is_refused(string authorization)
    {
        Refused(Alertmanager.Verify(Authorization(authorization), Body, BearerSource, Now), Verdict.Unauthenticated);
    }

    [Theory]
    [InlineData("Basic !!!not-base64!!!")]
    [InlineData("Basic YWxlcnRtYW5hZ2Vy=")]
    [InlineData("Basic a")]
    [InlineData("Basic ")]
    public void Alertmanager_malformed_basic_is_refused_without_throwing(string authorization)
    {
        Refused(Alertmanager.Verify(Authorization(authorization), Body, BasicSource, Now), Verdict.Unauthenticated);
    }

    [Fact]
    public void Alertmanager_refusal_says_how_to_authenticate()
    {
        var verdict = Alertmanager.Verify(new HeaderDictionary(), Body, BearerSource, Now);

        Assert.Contains("Authorization: Bearer", verdict.Message, StringComparison.Ordinal);
    }

    // PagerDuty: X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of the body>, several while a secret rotates.
    private static readonly WebhookSource PagerDutySource = new() { Secret = Secret };

    private static HeaderDictionary PagerDutySigned(string signatures) => Headers(PagerDutyVerifier.SignatureHeader, signatures);

    [Fact]
    public void PagerDuty_valid_v1_signature_is_verified()
    {
        VerifiedBy(PagerDuty.Verify(PagerDutySigned("v1=" + Hmac(Secret, Body)), Body, PagerDutySource, Now), "hmac-sha256");
    }

    [Fact]
    public void PagerDuty_signature_in_upper_case_hex_is_verified()
    {
        VerifiedBy(PagerDuty.Verify(PagerDutySigned("v1=" + Hmac(Secret, Body).ToUpperInvariant()), Body, PagerDutySource, Now), "hmac-sha256");
    }

    [Fact]
    public void PagerDuty_several_signatures_with_one_valid_are_verified_while_a_secret_rotates()
    {
        var signatures = $"v1={Hmac("whsec-the-next-one-0123456789", Body)},v1={Hmac(Secret, Body)}, v1={Hmac(OldSecret, Body)}";

        VerifiedBy(PagerDuty.Verify(PagerDutySigned(signatures), Body, PagerDutySource, Now), "hmac-sha256");
    }

    [Fact]
    public void PagerDuty_several_signatures_none_valid_is_a_bad_signature()
    {
        var signatures = $"v1={Hmac(OldSecret, Body)},v1={Hmac("whsec-the-next-one-0123456789", Body)}";

        Refused(PagerDuty.Verify(PagerDutySigned(signatures), Body, PagerDutySource, Now), Verdict.BadSignature);
    }

    [Fact]
    public void PagerDuty_missing_header_is_unauthenticated()
    {
        Refused(PagerDuty.Verify(new HeaderDictionary(), Body, PagerDutySource, Now), Verdict.Unauthenticated);
    }

    [Fact]
    public void PagerDuty_signature_with_the_previous_secret_is_verified_while_it_is_configured()
    {
        var rotating = new WebhookSource { Secret = Secret, PreviousSecret = OldSecret };
        var headers = PagerDutySigned("v1=" + Hmac(OldSecret, Body));

        VerifiedBy(PagerDuty.Verify(headers, Body, rotating, Now), "hmac-sha256");
        Refused(PagerDuty.Verify(headers, Body, PagerDutySource, Now), Verdict.BadSignature);
    }

    [Fact]
    public void PagerDuty_signature_of_another_body_is_a_bad_signature()
    {
        var other = Encoding.UTF8.GetBytes("""{"source": "cron-monitor", "summary": "on time"}""");

        Refused(PagerDuty.Verify(PagerDutySigned("v1=" + Hmac(Secret, other)), Body, PagerDutySource, Now), Verdict.BadSignature);
    }

    public static TheoryData<string> MalformedPagerDutySignatures()
    {
        var valid = Hmac(Secret, Body);
        return new TheoryData<string>
        {
            "v1=zz",
            "v1=",
            "v1",
            "garbage",
            "v0=" + valid,
            "v2=" + valid,
            "sha256=" + valid,
            valid,
            "v1=" + valid + "00",
            "v1=" + valid[..^2],
            "v1=" + valid[..^1],
            "v1=g" + valid[1..],
            "v1=" + valid[..^1] + "z",
            "v1=0x" + valid[2..],
        };
    }

    [Theory]
    [MemberData(nameof(MalformedPagerDutySignatures))]
    public void PagerDuty_malformed_or_non_hex_signature_is_a_bad_signature(string header)
    {
        Refused(PagerDuty.Verify(PagerDutySigned(header), Body, PagerDutySource, Now), Verdict.BadSignature);
    }

    [Fact]
    public void PagerDuty_signature_as_base64_instead_of_hex_is_a_bad_signature()
    {
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(Secret));
        var base64 = Convert.ToBase64String(hmac.ComputeHash(Body));

        Refused(PagerDuty.Verify(PagerDutySigned("v1=" + base64), Body, PagerDutySource, Now), Verdict.BadSignature);
    }

    // Generic: X-Agents-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">, or a bearer token.
    private static readonly WebhookSource GenericSource = new() { Secret = Secret };

    private static HeaderDictionary GenericSigned(string value) => Headers(GenericVerifier.SignatureHeader, value);

    [Fact]
    public void Generic_valid_signature_within_the_window_is_verified()
    {
        VerifiedBy(Generic.Verify(GenericSigned(GenericSignature(Secret, Now)), Body, GenericSource, Now), "hmac-sha256-timestamped");
    }

    [Theory]
    [InlineData(-299)]
    [InlineData(-300)]
    [InlineData(300)]
    [InlineData(4)]
    public void Generic_signature_up_to_five_minutes_either_way_is_verified(int seconds)
    {
        var signedAt = Now.AddSeconds(seconds);

        VerifiedBy(Generic.Verify(GenericSigned(GenericSignature(Secret, signedAt)), Body, GenericSource, Now), "hmac-sha256-timestamped");
    }

    [Fact]
    public void Generic_parameters_in_another_order_are_verified()
    {
        var t = Unix(Now);
        var header = $"v1={Hmac(Secret, Stamped(t, Body))}, t={t}";

        VerifiedBy(Generic.Verify(GenericSigned(header), Body, GenericSource, Now), "hmac-sha256-timestamped");
    }

    [Fact]
    public void Generic_signature_with_the_previous_secret_is_verified_while_it_is_configured()
    {
        var rotating = new WebhookSource { Secret = Secret, PreviousSecret = OldSecret };

        VerifiedBy(Generic.Verify(GenericSigned(GenericSignature(OldSecret, Now)), Body, rotating, Now), "hmac-sha256-timestamped");
    }

    [Fact]
    public void Generic_signature_six_minutes_old_is_expired()
    {
        var verdict = Generic.Verify(GenericSigned(GenericSignature(Secret, Now.AddMinutes(-6))), Body, GenericSource, Now);

        Refused(verdict, Verdict.ExpiredSignature);
        Assert.Contains("5 minutes", verdict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Generic_signature_six_minutes_ahead_is_expired()
    {
        Refused(Generic.Verify(GenericSigned(GenericSignature(Secret, Now.AddMinutes(6))), Body, GenericSource, Now), Verdict.ExpiredSignature);
    }

    [Fact]
    public void Generic_signature_window_comes_from_the_options()
    {
        var narrow = new GenericVerifier(Options.Create(new IngressOptions { SignatureWindow = TimeSpan.FromSeconds(30) }));
        var header = GenericSigned(GenericSignature(Secret, Now.AddMinutes(-1)));

        Refused(narrow.Verify(header, Body, GenericSource, Now), Verdict.ExpiredSignature);
        VerifiedBy(Generic.Verify(header, Body, GenericSource, Now), "hmac-sha256-timestamped");
    }

    [Theory]
    [InlineData("v1=SIGNATURE")]
    [InlineData("t=,v1=SIGNATURE")]
    [InlineData("t=soon,v1=SIGNATURE")]
    [InlineData("t=-1,v1=SIGNATURE")]
    [InlineData("t=0,v1=SIGNATURE")]
    [InlineData("t=1.5,v1=SIGNATURE")]
    [InlineData("t=99999999999999999999,v1=SIGNATURE")]
    public void Generic_signature_without_a_valid_t_is_a_bad_signature(string header)
    {
        var value = header.Replace("SIGNATURE", Hmac(Secret, Stamped(Unix(Now), Body)), StringComparison.Ordinal);

        Refused(Generic.Verify(GenericSigned(value), Body, GenericSource, Now), Verdict.BadSignature);
    }

    [Fact]
    public void Generic_signature_over_the_body_alone_is_a_bad_signature()
    {
        var header = $"t={Unix(Now)},v1={Hmac(Secret, Body)}";

        Refused(Generic.Verify(GenericSigned(header), Body, GenericSource, Now), Verdict.BadSignature);
    }

    [Fact]
    public void Generic_signature_for_another_t_is_a_bad_signature()
    {
        var signedFor = Unix(Now.AddSeconds(-10));
        var header = $"t={Unix(Now)},v1={Hmac(Secret, Stamped(signedFor, Body))}";

        Refused(Generic.Verify(GenericSigned(header), Body, GenericSource, Now), Verdict.BadSignature);
    }

    [Fact]
    public void Generic_signature_with_another_secret_is_a_bad_signature()
    {
        Refused(Generic.Verify(GenericSigned(GenericSignature(OldSecret, Now)), Body, GenericSource, Now), Verdict.BadSignature);
    }

    [Fact]
    public void Generic_bearer_token_is_verified_when_the_source_has_one()
    {
        var source = new WebhookSource { Token = Token };

        VerifiedBy(Generic.Verify(Authorization("Bearer " + Token), Body, source, Now), "bearer");
    }

    [Fact]
    public void Generic_bearer_token_is_refused_when_the_source_only_signs()
    {
        var source = new WebhookSource { Secret = Secret };

        Refused(Generic.Verify(Authorization("Bearer " + Secret), Body, source, Now), Verdict.Unauthenticated);
    }

    [Fact]
    public void Generic_missing_header_is_unauthenticated()
    {
        var verdict = Generic.Verify(new HeaderDictionary(), Body, GenericSource, Now);

        Refused(verdict, Verdict.Unauthenticated);
        Assert.Contains(GenericVerifier.SignatureHeader, verdict.Message, StringComparison.Ordinal);
    }
}
