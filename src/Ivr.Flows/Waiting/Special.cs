namespace Ivr.Flows.Waiting;

/// <summary>The special functions the wait distribution needs (after Numerical Recipes, 3rd ed., 6.2 and 6.4).</summary>
internal static class Special
{
    private const double Epsilon = 1e-15;
    private const double Tiny = 1e-300;
    private const int MaxTerms = 100_000;

    /// <summary>exp(x) - 1 without the cancellation of the naive form near 0 (Kahan's trick).</summary>
    public static double ExpM1(double x)
    {
        if (Math.Abs(x) >= 0.5)
            return Math.Exp(x) - 1;
        var u = Math.Exp(x);
        if (u == 1)
            return x;
        var um1 = u - 1;
        return um1 == -1 ? -1 : um1 * x / Math.Log(u);
    }

    /// <summary>Q(m, x) = P(Gamma(m, 1) &gt; x), the regularized upper incomplete gamma; logGammaM = ln Gamma(m).</summary>
    public static double GammaUpper(int m, double x, double logGammaM)
    {
        if (x <= 0)
            return 1;
        var front = Math.Exp(-x + m * Math.Log(x) - logGammaM);
        if (x < m + 1)
        {
            // Series for P: converges fast below the mode.
            double term = 1.0 / m, sum = term;
            for (var n = 1; n < MaxTerms && Math.Abs(term) > Math.Abs(sum) * Epsilon; n++)
            {
                term *= x / (m + n);
                sum += term;
            }
            return 1 - sum * front;
        }
        // Continued fraction for Q (modified Lentz).
        double b = x + 1 - m, c = 1 / Tiny, d = 1 / b, h = d;
        for (var i = 1; i < MaxTerms; i++)
        {
            var an = -i * (i - (double)m);
            b += 2;
            d = an * d + b;
            if (Math.Abs(d) < Tiny) d = Tiny;
            c = b + an / c;
            if (Math.Abs(c) < Tiny) c = Tiny;
            d = 1 / d;
            var delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) <= Epsilon)
                break;
        }
        return front * h;
    }

    /// <summary>
    /// I_x(a, b), the regularized incomplete beta, from ln x and 1 - x given separately so that x near 1 keeps
    /// its precision; logBeta = ln B(a, b).
    /// </summary>
    public static double BetaLower(double a, double b, double logX, double oneMinusX, double logBeta)
    {
        if (oneMinusX <= 0)
            return 1;
        var x = Math.Exp(logX);
        if (x <= 0)
            return 0;
        var front = Math.Exp(a * logX + b * Math.Log(oneMinusX) - logBeta);
        return x < (a + 1) / (a + b + 2)
            ? front * BetaFraction(a, b, x) / a
            : 1 - front * BetaFraction(b, a, oneMinusX) / b;
    }

    // Continued fraction for I_x(a, b) (modified Lentz).
    private static double BetaFraction(double a, double b, double x)
    {
        double qab = a + b, qap = a + 1, qam = a - 1;
        double c = 1, d = 1 - qab * x / qap;
        if (Math.Abs(d) < Tiny) d = Tiny;
        d = 1 / d;
        var h = d;
        for (var m = 1; m < MaxTerms; m++)
        {
            var m2 = 2 * m;
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1 + aa * d;
            if (Math.Abs(d) < Tiny) d = Tiny;
            c = 1 + aa / c;
            if (Math.Abs(c) < Tiny) c = Tiny;
            d = 1 / d;
            h *= d * c;
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1 + aa * d;
            if (Math.Abs(d) < Tiny) d = Tiny;
            c = 1 + aa / c;
            if (Math.Abs(c) < Tiny) c = Tiny;
            d = 1 / d;
            var delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) <= Epsilon)
                break;
        }
        return h;
    }
}
