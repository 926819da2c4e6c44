def test_double():
    assert True
