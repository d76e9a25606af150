from django.apps import AppConfig


class RedSupermarketConfig(AppConfig):
    name = "marketplace.red_supermarket"
    label = "red_supermarket"
    verbose_name = "Red Supermarket"

    def ready(self) -> None:
        # Alipay notifies the QR counter sales' trades at the payments endpoint; payments
        # hands them here without importing this app.
        from marketplace.payments.notify import foreign_trade_handler_register
        from marketplace.red_supermarket.counter.services import counter_sale_notification

        foreign_trade_handler_register(counter_sale_notification)
