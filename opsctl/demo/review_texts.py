"""What the demo shop's customers write, by language and by what happened to their order.

Each topic maps to (title, text) pairs; ``{product}`` and ``{days}`` are filled in
by the generator. The topics mirror the operational causes of bad reviews in
the product brief (late delivery, no updates, cancellations for stock, surprise
shipping costs, slow refunds) plus the ordinary happy and product reviews.
"""

from __future__ import annotations

ReviewText = tuple[str, str]

REVIEW_TEXTS: dict[str, dict[str, tuple[ReviewText, ...]]] = {
    "en": {
        "happy": (
            (
                "Quick and easy",
                "Ordered on Sunday night, arrived Tuesday. The {product} is "
                "exactly as described. Will order again.",
            ),
            (
                "Great service",
                "Tracking emails at every step and the parcel came a day early. "
                "Really pleased with the {product}.",
            ),
            ("Spot on", "Easy checkout, fast delivery, well packed. Can't ask for more."),
        ),
        "happy_product": (
            (
                "Excellent kit",
                "The {product} kept me dry on a full day on Helvellyn. Quality "
                "feels like it will last years.",
            ),
            ("Love it", "Really well made {product}, fits true to size. Delivery was quick too."),
        ),
        "late_delivery": (
            (
                "Arrived {days} days late",
                "Paid for delivery by a date and it turned up {days} "
                "days after it. Needed the {product} for a trip, so I had to buy elsewhere.",
            ),
            (
                "Late again",
                "Delivery promised for Friday, came the following week. Nobody told "
                "me it would be late.",
            ),
            (
                "Slow delivery",
                "Product is fine but the delivery took far longer than the checkout said.",
            ),
        ),
        "no_updates": (
            (
                "No tracking updates",
                "Tracking has said 'in transit' for {days} days with no "
                "update. Emails to customer service go unanswered. Where is my parcel?",
            ),
            (
                "Never arrived",
                "Still waiting for my {product}. The tracking stopped updating "
                "and no one can tell me anything.",
            ),
            (
                "Label created, nothing since",
                "They say it's shipped, but the courier says "
                "they've never received it. Very frustrating.",
            ),
        ),
        "out_of_stock": (
            (
                "Cancelled after I paid",
                "Site said in stock, took my money, then two days "
                "later an email saying the {product} was out of stock and the order was "
                "cancelled. Why show it as available?",
            ),
            (
                "Out of stock after purchase",
                "Ordered the {product} in my size, got a "
                "cancellation the next day. Don't sell what you don't have.",
            ),
        ),
        "shipping_cost": (
            (
                "Hidden delivery charge",
                "Delivery cost only appeared on the last page of the "
                "checkout. Not what I expected for a small order.",
            ),
            (
                "Shipping costs a surprise",
                "Nice {product} but the shipping charge added at "
                "the end put me off. Show it up front.",
            ),
        ),
        "slow_refund": (
            (
                "Still waiting for my refund",
                "Returned the {product} {days} days ago, tracking "
                "shows it was received, but no refund yet.",
            ),
            (
                "Refund took weeks",
                "Return was easy but the refund took weeks and several chasing emails.",
            ),
        ),
        "delivery_problem": (
            (
                "Courier didn't try",
                "Was home all day, got a 'sorry we missed you' card and "
                "had to collect the parcel myself.",
            ),
            (
                "Delivery hassle",
                "Parcel went to a pickup point instead of my house. Got it in "
                "the end but it took extra days.",
            ),
        ),
        "product_quality": (
            (
                "Disappointed",
                "The {product} started to come apart after two walks. Expected "
                "better at this price.",
            ),
            (
                "Not as described",
                "Colour and fit were not what the photos show. Returning the {product}.",
            ),
        ),
    },
    "de": {
        "happy": (
            (
                "Schnell und unkompliziert",
                "Bestellung am Montag, Lieferung am Mittwoch. "
                "{product} genau wie beschrieben. Gerne wieder.",
            ),
            (
                "Top Service",
                "Sendungsverfolgung hat gut funktioniert, Paket kam pünktlich und gut verpackt.",
            ),
        ),
        "happy_product": (
            (
                "Super Qualität",
                "{product} hat sich auf der Tour bestens bewährt. Verarbeitung ist hervorragend.",
            ),
            ("Sehr zufrieden", "Passt perfekt, fühlt sich hochwertig an. Klare Empfehlung."),
        ),
        "late_delivery": (
            (
                "{days} Tage zu spät",
                "Lieferung war für einen festen Termin zugesagt und kam "
                "{days} Tage später. Das {product} brauchte ich für den Urlaub.",
            ),
            (
                "Lieferung verspätet",
                "Ware in Ordnung, aber die Lieferung dauerte deutlich "
                "länger als angegeben. Keine Info über die Verzögerung.",
            ),
        ),
        "no_updates": (
            (
                "Keine Sendungsverfolgung",
                "Seit {days} Tagen steht das Paket auf 'unterwegs', "
                "keine Aktualisierung. Der Kundenservice antwortet nicht.",
            ),
            (
                "Paket nie angekommen",
                "Warte immer noch auf mein {product}. Die Sendungsnummer "
                "zeigt seit Tagen nichts Neues.",
            ),
        ),
        "out_of_stock": (
            (
                "Nach Bezahlung storniert",
                "Artikel war als verfügbar angezeigt, Geld wurde "
                "abgebucht, dann kam die Stornierung: nicht auf Lager. Ärgerlich.",
            ),
            (
                "Nicht lieferbar",
                "{product} bestellt, zwei Tage später storniert, weil "
                "ausverkauft. Warum wird es dann angeboten?",
            ),
        ),
        "shipping_cost": (
            (
                "Versandkosten erst am Ende",
                "Die Versandkosten wurden erst im letzten Schritt "
                "angezeigt. So etwas gehört an den Anfang.",
            ),
            (
                "Teurer Versand",
                "Schönes Produkt, aber die Versandkosten nach Deutschland waren "
                "eine böse Überraschung.",
            ),
        ),
        "slow_refund": (
            (
                "Erstattung dauert ewig",
                "Rücksendung vor {days} Tagen angekommen, Geld immer noch nicht erstattet.",
            ),
            (
                "Warten auf Rückerstattung",
                "Retoure war einfach, aber auf die Erstattung warte ich seit Wochen.",
            ),
        ),
        "delivery_problem": (
            (
                "Zustellung schlecht",
                "Ich war zu Hause, trotzdem lag nur eine "
                "Benachrichtigungskarte im Briefkasten. Musste das Paket selbst abholen.",
            ),
            (
                "Paketshop statt Haustür",
                "Paket wurde im Paketshop abgegeben statt geliefert. "
                "Hat am Ende geklappt, aber umständlich.",
            ),
        ),
        "product_quality": (
            (
                "Enttäuschend",
                "{product} zeigt nach kurzer Zeit Verschleiß. Für den Preis erwarte ich mehr.",
            ),
            ("Passform stimmt nicht", "Fällt deutlich kleiner aus als angegeben. Geht zurück."),
        ),
    },
    "fr": {
        "happy": (
            (
                "Rapide et efficace",
                "Commande passée lundi, reçue mercredi. {product} conforme "
                "à la description. Je recommande.",
            ),
            (
                "Très bon service",
                "Suivi clair à chaque étape, colis bien emballé et livré à temps.",
            ),
        ),
        "happy_product": (
            ("Qualité au rendez-vous", "{product} parfait pour la randonnée, très bonne finition."),
            ("Ravi", "Taille parfaitement, matière agréable. Livraison rapide en plus."),
        ),
        "late_delivery": (
            (
                "Livré avec {days} jours de retard",
                "La livraison était promise pour une date "
                "précise et le colis est arrivé {days} jours après. Aucune information.",
            ),
            (
                "Livraison trop lente",
                "Produit correct mais délai de livraison bien plus long qu'annoncé.",
            ),
        ),
        "no_updates": (
            (
                "Aucun suivi",
                "Le suivi indique 'en transit' depuis {days} jours sans mise à "
                "jour. Personne ne répond au service client.",
            ),
            (
                "Colis jamais reçu",
                "J'attends toujours mon {product}. Le numéro de suivi ne bouge plus.",
            ),
        ),
        "out_of_stock": (
            (
                "Commande annulée après paiement",
                "Article affiché en stock, paiement débité, "
                "puis annulation pour rupture de stock. Inadmissible.",
            ),
            ("Rupture de stock", "{product} commandé puis annulé le lendemain car indisponible."),
        ),
        "shipping_cost": (
            (
                "Frais de port cachés",
                "Les frais de livraison n'apparaissent qu'à la dernière étape. Très désagréable.",
            ),
            (
                "Livraison trop chère",
                "Beau produit mais les frais de port vers la France sont "
                "excessifs et annoncés trop tard.",
            ),
        ),
        "slow_refund": (
            (
                "Remboursement interminable",
                "Retour reçu il y a {days} jours, toujours pas remboursé.",
            ),
            (
                "Toujours pas remboursé",
                "Le retour était simple mais le remboursement prend des semaines.",
            ),
        ),
        "delivery_problem": (
            (
                "Livreur absent",
                "J'étais chez moi mais avis de passage déposé. J'ai dû aller "
                "chercher le colis au point relais.",
            ),
            (
                "Point relais imposé",
                "Colis déposé en point relais sans prévenir. Reçu finalement mais avec du retard.",
            ),
        ),
        "product_quality": (
            ("Déçu", "{product} abîmé après quelques sorties. Qualité décevante pour le prix."),
            ("Taille trop petite", "Taille beaucoup plus petite que le guide. Je le renvoie."),
        ),
    },
    "es": {
        "happy": (
            (
                "Rápido y fácil",
                "Pedido el lunes, recibido el jueves. {product} tal como se describe. Repetiré.",
            ),
            ("Muy buen servicio", "Seguimiento claro y el paquete llegó bien embalado y a tiempo."),
        ),
        "happy_product": (
            ("Gran calidad", "{product} perfecto para la montaña, muy bien acabado."),
            ("Encantado", "Talla perfecta y tejido de calidad. Muy recomendable."),
        ),
        "late_delivery": (
            (
                "Llegó {days} días tarde",
                "La entrega estaba prometida para una fecha y llegó "
                "{days} días después, sin ningún aviso.",
            ),
            (
                "Entrega muy lenta",
                "El producto está bien pero el envío tardó mucho más de lo indicado.",
            ),
        ),
        "no_updates": (
            (
                "Sin seguimiento",
                "El seguimiento dice 'en tránsito' desde hace {days} días. "
                "Nadie responde en atención al cliente.",
            ),
            (
                "Nunca llegó",
                "Sigo esperando mi {product}. El número de seguimiento no se actualiza.",
            ),
        ),
        "out_of_stock": (
            (
                "Cancelado tras pagar",
                "Aparecía disponible, me cobraron y luego cancelaron el pedido por falta de stock.",
            ),
            ("Sin stock", "Pedí el {product} y al día siguiente lo cancelaron por estar agotado."),
        ),
        "shipping_cost": (
            (
                "Gastos de envío ocultos",
                "Los gastos de envío solo aparecen en el último paso. Muy mal.",
            ),
            ("Envío caro", "Buen producto pero el envío a España es carísimo y se ve al final."),
        ),
        "slow_refund": (
            (
                "Reembolso lentísimo",
                "Devolución recibida hace {days} días y todavía sin reembolso.",
            ),
            ("Esperando el reembolso", "La devolución fue fácil pero el reembolso tarda semanas."),
        ),
        "delivery_problem": (
            (
                "Mensajero no pasó",
                "Estaba en casa y dejaron aviso de ausente. Tuve que recogerlo yo.",
            ),
            (
                "Punto de recogida",
                "Lo dejaron en un punto de recogida sin avisar. Llegó, pero tarde.",
            ),
        ),
        "product_quality": (
            ("Decepcionado", "{product} se estropeó enseguida. Esperaba más por este precio."),
            ("Talla incorrecta", "Talla mucho más pequeña de lo indicado. Lo devuelvo."),
        ),
    },
    "nl": {
        "happy": (
            (
                "Snel en makkelijk",
                "Maandag besteld, woensdag in huis. {product} precies zoals "
                "beschreven. Zeker een aanrader.",
            ),
            ("Prima service", "Duidelijke track & trace en het pakket kwam netjes op tijd."),
        ),
        "happy_product": (
            ("Topkwaliteit", "{product} doet het uitstekend op tochten. Zeer goed afgewerkt."),
            ("Heel tevreden", "Valt goed, voelt stevig aan. Snelle levering."),
        ),
        "late_delivery": (
            (
                "{days} dagen te laat",
                "Levering was beloofd op een datum en kwam {days} dagen later, zonder bericht.",
            ),
            (
                "Trage levering",
                "Product is goed maar de levering duurde veel langer dan aangegeven.",
            ),
        ),
        "no_updates": (
            (
                "Geen track & trace updates",
                "Al {days} dagen 'onderweg' zonder update. De klantenservice reageert niet.",
            ),
            (
                "Nooit ontvangen",
                "Wacht nog steeds op mijn {product}. De status verandert niet meer.",
            ),
        ),
        "out_of_stock": (
            (
                "Geannuleerd na betaling",
                "Stond op voorraad, geld afgeschreven en daarna "
                "geannuleerd omdat het uitverkocht was.",
            ),
            (
                "Niet op voorraad",
                "{product} besteld, een dag later geannuleerd. Laat dan niet "
                "zien dat het leverbaar is.",
            ),
        ),
        "shipping_cost": (
            (
                "Verborgen verzendkosten",
                "Verzendkosten pas bij de laatste stap zichtbaar. Niet netjes.",
            ),
            ("Dure verzending", "Mooi product, maar de verzendkosten naar Nederland vielen tegen."),
        ),
        "slow_refund": (
            (
                "Terugbetaling duurt lang",
                "Retour is {days} dagen geleden ontvangen, nog steeds geen geld terug.",
            ),
            ("Wachten op mijn geld", "Retourneren ging makkelijk, de terugbetaling duurt weken."),
        ),
        "delivery_problem": (
            (
                "Bezorger belde niet aan",
                "Was thuis maar kreeg een 'niet thuis'-kaartje. Zelf ophalen bij het afhaalpunt.",
            ),
            ("Afhaalpunt", "Pakket bij een afhaalpunt afgeleverd in plaats van thuis. Omslachtig."),
        ),
        "product_quality": (
            ("Teleurgesteld", "{product} ging snel kapot. Voor deze prijs verwacht ik meer."),
            ("Maat klopt niet", "Valt veel kleiner dan de maattabel. Stuur het terug."),
        ),
    },
}

AUTHOR_NAMES: dict[str, tuple[str, ...]] = {
    "en": (
        "Sarah",
        "James",
        "Emma",
        "Tom",
        "Aoife",
        "Liam",
        "Rachel",
        "Dave",
        "Priya",
        "Megan",
        "Callum",
        "Hannah",
        "Mike",
        "Jess",
        "Oliver",
    ),
    "de": ("Jonas", "Lena", "Felix", "Anna", "Lukas", "Miriam", "Stefan", "Katrin"),
    "fr": ("Camille", "Julien", "Manon", "Lucas", "Chloé", "Nicolas", "Élodie"),
    "es": ("Lucía", "Javier", "Marta", "Pablo", "Carmen", "Diego"),
    "nl": ("Sanne", "Daan", "Lotte", "Bram", "Eva", "Thijs"),
}
