def test_login_page_in_russian(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Войти" in response.get_data(as_text=True)
