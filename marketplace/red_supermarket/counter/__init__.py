"""The Red Supermarket's counter: finding goods (barcode, name, quick keys), selling them
for cash or Alipay face-to-face, the till shifts the cash goes through, and the online
orders whose buyers pay cash here (`online_cash_orders` lists them and finds one paid to
hand back, `online_cash` takes the cash and hands it back with a 退款回执).

In: the supermarket's warehouse stock (locked and allocated under the online rules of
`marketplace.inventory` / checkout), its channel's prices, the Alipay gateway. Out: counter
sales with their lines, receipts (`marketplace.red_supermarket.receipts`), and ledger
journals (`collective_econ.ledger`). Must never import the API layer or `marketplace.agency`.
"""
