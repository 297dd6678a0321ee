<?php

declare(strict_types=1);

namespace Money;

/** Amounts of money held as whole cents, printed with two decimals. */
final class Money
{
    public static function format(int $cents): string
    {
        return sprintf('%d.%02d', intdiv($cents, 100), $cents % 100);
    }

    public static function add(int ...$amounts): int
    {
        return array_sum($amounts);
    }
}
