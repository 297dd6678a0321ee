#[test]
fn formats_round_numbers() {
    assert_eq!(roman::format(2000), "MM");
    assert_eq!(roman::format(50), "L");
}
