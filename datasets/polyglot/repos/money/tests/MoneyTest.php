<?php

declare(strict_types=1);

namespace Tests;

use Money\Money;
use PHPUnit\Framework\TestCase;

final class MoneyTest extends TestCase
{
    public function testFormatsWholeAmounts(): void
    {
        $this->assertSame('12.00', Money::format(1200));
    }

    public function testFormatsCents(): void
    {
        $this->assertSame('0.05', Money::format(5));
    }

    public function testAddsAmounts(): void
    {
        $this->assertSame(350, Money::add(100, 250));
    }
}
