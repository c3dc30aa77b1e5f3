using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Agents.Ingress.Verification;

/// <summary>Constant-time comparisons of presented credentials with configured ones, and the header parsing they share.</summary>
internal static class Credentials
{
    /// <summary>
    /// Whether <paramref name="presented"/> equals <paramref name="expected"/>, in a time that depends on neither: both
    /// are hashed first, so not even the length is compared directly.
    /// </summary>
    public static bool Same(ReadOnlySpan<char> presented, string? expected)
    {
        if (string.IsNullOrEmpty(expected))
        {
            return false;
        }

        Span<byte> a = stackalloc byte[32];
        Span<byte> b = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented.ToArray()), a);
        SHA256.HashData(Encoding.UTF8.GetBytes(expected), b);
        return CryptographicOperations.FixedTimeEquals(a, b);
    }

    /// <summary>
    /// Whether the hex <paramref name="signature"/> is the HMAC-SHA256 of <paramref name="prefix"/> followed by
    /// <paramref name="data"/> under any of <paramref name="secrets"/> (hashed in two parts: the body is never copied).
    /// </summary>
    public static bool SignedBy(ReadOnlySpan<char> signature, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> data, IEnumerable<string> secrets)
    {
        Span<byte> presented = stackalloc byte[32];
        if (signature.Length != 64 || Convert.FromHexString(signature, presented, out _, out var written) != System.Buffers.OperationStatus.Done || written != 32)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[32];
        var match = false;
        foreach (var secret in secrets)
        {
            using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
            hmac.AppendData(prefix);
            hmac.AppendData(data);
            hmac.GetHashAndReset(expected);
            match |= CryptographicOperations.FixedTimeEquals(presented, expected);
        }

        return match;
    }

    /// <summary>The credentials after <c>Authorization: &lt;scheme&gt; </c>, or null when the header is absent or of another scheme.</summary>
    public static string? Authorization(IHeaderDictionary headers, string scheme)
    {
        var value = headers[HeaderNames.Authorization].ToString();
        return value.Length > scheme.Length + 1 && value.StartsWith(scheme + " ", StringComparison.OrdinalIgnoreCase)
            ? value[(scheme.Length + 1)..].Trim()
            : null;
    }

    /// <summary>The values of <paramref name="key"/> in a <c>k=v,k=v</c> header (PagerDuty's and ours), in order.</summary>
    public static IEnumerable<string> Parameters(string header, string key)
    {
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && part.AsSpan(0, equals).Trim().Equals(key, StringComparison.OrdinalIgnoreCase))
            {
                yield return part[(equals + 1)..].Trim();
            }
        }
    }

    public static bool TryUnixSeconds(string? text, out DateTimeOffset time)
    {
        time = default;
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds is > 0 and < 253_402_300_799)
        {
            time = DateTimeOffset.FromUnixTimeSeconds(seconds);
            return true;
        }

        return false;
    }
}
