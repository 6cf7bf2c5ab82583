namespace Ivr.Flows.Waiting;

/// <summary>
/// The wait W = sum of independent exponentials with rates a + i*theta, i = 0..k. For theta = 0 it is
/// Erlang(k+1, a); for theta > 0 it has the exact form W = -ln(B) / theta with B ~ Beta(a/theta, k+1)
/// (expand the partial fractions of the sum and integrate), so P(W > w) = I_x(a/theta, k+1) with
/// x = exp(-theta*w): a regularized incomplete beta, stable where the alternating partial-fraction sum is not.
/// </summary>
internal readonly struct ErlangAWait
{
    private readonly double _a;
    private readonly double _theta;
    private readonly int _stages;
    private readonly bool _erlang;
    private readonly double _logNorm; // ln Gamma(k+1) for Erlang, ln B(a/theta, k+1) otherwise

    public ErlangAWait(double firstRate, double theta, int callersAhead)
    {
        _a = firstRate;
        _theta = theta;
        _stages = callersAhead + 1;
        // Abandonment too slow to matter (relative effect on the mean below 1e-7) is computed as Erlang: the
        // beta's continued fraction needs about sqrt(a/theta) terms, so a vanishing theta would only cost time.
        _erlang = theta * callersAhead <= 1e-7 * firstRate;
        var logFactorial = 0.0;
        for (var j = 2; j < _stages; j++)
            logFactorial += Math.Log(j);
        if (_erlang)
        {
            _logNorm = logFactorial;
        }
        else
        {
            // ln B(alpha, m) = ln Gamma(m) - sum_{j<m} ln(alpha + j) for a whole number m.
            var alpha = firstRate / theta;
            var logRising = 0.0;
            for (var j = 0; j < _stages; j++)
                logRising += Math.Log(alpha + j);
            _logNorm = logFactorial - logRising;
        }
        Mean = 0;
        Variance = 0;
        for (var i = 0; i < _stages; i++)
        {
            var rate = firstRate + i * theta;
            Mean += 1 / rate;
            Variance += 1 / (rate * rate);
        }
    }

    public double Mean { get; }

    public double Variance { get; }

    /// <summary>P(W &gt; w).</summary>
    public double Survival(double w)
    {
        if (w <= 0)
            return 1;
        if (_erlang)
            return Special.GammaUpper(_stages, _a * w, _logNorm);
        var y = _theta * w;
        return Special.BetaLower(_a / _theta, _stages, -y, -Special.ExpM1(-y), _logNorm);
    }

    /// <summary>Density of W at w &gt; 0, from the same closed forms.</summary>
    public double Density(double w)
    {
        if (_erlang)
            return _a * Math.Exp((_stages - 1) * Math.Log(_a * w) - _a * w - _logNorm);
        var y = _theta * w;
        return _theta * Math.Exp(-_a * w + (_stages - 1) * Math.Log(-Special.ExpM1(-y)) - _logNorm);
    }

    /// <summary>The w with P(W &lt;= w) = q: Newton's method kept inside a bracket that bisection shrinks.</summary>
    public double Quantile(double q)
    {
        var tail = 1 - q;
        double low = 0, high = double.PositiveInfinity;
        var w = Math.Max(Mean + 1.28 * Math.Sqrt(Variance) * (2 * q - 1), Mean * 0.1);
        for (var iteration = 0; iteration < 200; iteration++)
        {
            var excess = Survival(w) - tail;
            if (excess > 0)
                low = w;
            else
                high = w;
            var next = w + excess / Density(w);
            if (!(next > low && next < high))
                next = double.IsPositiveInfinity(high) ? 2 * w : (low + high) / 2;
            if (Math.Abs(next - w) <= 1e-12 * w)
                return next;
            w = next;
        }
        return w;
    }
}
