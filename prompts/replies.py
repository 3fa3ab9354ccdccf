"""WhatsApp reply templates per language. Placeholders are filled only with tool outputs and known preferences."""

TEMPLATES: dict[str, dict[str, str]] = {
    "es": {
        "ask_needs": (
            "¡Con gusto te ayudo a encontrar tu próximo auto! Para recomendarte bien, "
            "¿qué presupuesto tienes en mente y qué tipo de auto buscas: sedán, hatchback, SUV o pickup?"
        ),
        "greet": (
            "¡Hola! Soy Kavi, tu asesor de autos seminuevos. "
            "¿Qué tipo de auto buscas y cuál es tu presupuesto aproximado?"
        ),
        "thanks": "¡Gracias a ti! Aquí sigo si quieres ver más opciones, calcular mensualidades o agendar una visita.",
        "empty": "No me llegó texto en tu mensaje. ¿Me cuentas qué auto buscas y tu presupuesto?",
        "injection": (
            "Solo puedo ayudarte con autos de nuestro inventario. Los precios y mensualidades que comparto vienen "
            "directamente del inventario y de nuestra calculadora, así que no puedo cambiarlos. ¿Qué auto te interesa?"
        ),
        "other": (
            "Puedo ayudarte a encontrar un auto, calcular mensualidades o agendar una visita. "
            "¿Qué presupuesto y tipo de auto tienes en mente?"
        ),
        "unknown_brand": "No encontré «{written}» en nuestro inventario.{suggestion} ¿Qué marca o tipo de auto buscas?",
        "suggestion": " ¿Quisiste decir {makes}?",
        "not_in_stock": (
            "Por ahora no tenemos {requested} en inventario. Sí tenemos {makes}, entre otras. "
            "¿Te muestro alguna de estas o me dices tu presupuesto?"
        ),
        "results_header": "Tengo {total} {cars}{subject}{conditions}. {lead}",
        "results_lead_many": "Las más económicas:",
        "results_lead_few": "Te las comparto:",
        "car_word_one": "opción",
        "car_word_many": "opciones",
        "results_line": "{n}. {make} {model} {year}, {km} km: {price}",
        "results_question": "¿Te gustaría calcular la mensualidad de alguno o agendar una visita para conocerlo?",
        "no_results": "No tengo {criteria} en este momento.",
        "alternatives": "Lo más cercano que tengo:",
        "no_results_question": "¿Ajustamos el presupuesto o te muestro otro tipo de auto?",
        "financing": (
            "Para el {car} ({price}) con {pct}% de enganche ({down}) a {years} años ({months} meses), "
            "la mensualidad queda en *{monthly}* con una tasa anual de {rate}%. "
            "¿Quieres ver otro plazo o agendar una visita para conocerlo?"
        ),
        "term_error": (
            "Podemos financiar a 3, 4, 5 o 6 años (36, 48, 60 o 72 meses). ¿Qué plazo prefieres para el {car}?"
        ),
        "down_payment_error": "El enganche debe ser menor al precio del {car} ({price}). ¿Con cuánto de enganche lo calculamos?",
        "financing_error": "No pude calcular ese plan con esos datos. ¿Me confirmas el enganche y el plazo que buscas?",
        "ask_which_car": "¿De cuál auto quieres calcular la mensualidad? Dime el modelo o el número de la lista.",
        "ask_which_car_visit": "¡Claro! ¿Qué auto te gustaría ver? Dime el modelo o el número de la lista.",
        "ask_when": "¡Claro! ¿Qué día y a qué hora te queda bien para ver el {car}?",
        "visit_booked": (
            "¡Listo{name}! Agendé tu visita para ver el {car}{when}. Tu folio es el {visit_id}. "
            "Un asesor te confirmará la dirección por este medio. ¿Te ayudo con algo más?"
        ),
        "visit_error": "No pude agendar la visita: ese auto ya no está disponible. ¿Te muestro opciones similares?",
        "reference_missing": "No encuentro esa opción en la lista que te compartí. ¿Me dices el modelo que te interesa?",
    },
    "en": {
        "ask_needs": (
            "Happy to help you find your next car! To recommend well: what budget do you have in mind, "
            "and what kind of car are you looking for: sedan, hatchback, SUV or pickup?"
        ),
        "greet": "Hi! I'm Kavi, your used-car advisor. What kind of car are you looking for, and what's your budget?",
        "thanks": "Thank you! I'm here if you want more options, a monthly payment estimate or to book a visit.",
        "empty": "Your message came through empty. What car are you looking for, and what's your budget?",
        "injection": (
            "I can only help with cars from our inventory. Prices and payments I share come straight from the "
            "inventory and our calculator, so I can't change them. Which car are you interested in?"
        ),
        "other": (
            "I can help you find a car, estimate monthly payments or book a visit. "
            "What budget and type of car do you have in mind?"
        ),
        "unknown_brand": 'I couldn\'t find "{written}" in our inventory.{suggestion} Which brand or type of car are you after?',
        "suggestion": " Did you mean {makes}?",
        "not_in_stock": (
            "We don't have {requested} in stock right now. We do have {makes}, among others. "
            "Want to see any of these, or tell me your budget?"
        ),
        "results_header": "I have {total}{subject} {cars}{conditions}. {lead}",
        "results_lead_many": "The most affordable:",
        "results_lead_few": "Here they are:",
        "car_word_one": "option",
        "car_word_many": "options",
        "results_line": "{n}. {make} {model} {year}, {km} km: {price}",
        "results_question": "Would you like a monthly payment estimate for one of them, or to book a visit?",
        "no_results": "I don't have {criteria} right now.",
        "alternatives": "The closest I have:",
        "no_results_question": "Shall we adjust the budget, or should I show you another type of car?",
        "financing": (
            "For the {car} ({price}) with {pct}% down ({down}) over {years} years ({months} months), "
            "the monthly payment is *{monthly}* at a {rate}% annual rate. "
            "Want to see another term or book a visit to see it?"
        ),
        "term_error": "We finance over 3, 4, 5 or 6 years (36, 48, 60 or 72 months). Which term works for the {car}?",
        "down_payment_error": "The down payment must be below the {car}'s price ({price}). How much would you put down?",
        "financing_error": "I couldn't price that plan with those details. Could you confirm the down payment and term?",
        "ask_which_car": "Which car should I calculate the payment for? Tell me the model or its number in the list.",
        "ask_which_car_visit": "Sure! Which car would you like to see? Tell me the model or its number in the list.",
        "ask_when": "Sure! What day and time work for you to see the {car}?",
        "visit_booked": (
            "Done{name}! Your visit to see the {car}{when} is booked. Your booking number is {visit_id}. "
            "An advisor will confirm the address here. Anything else I can help with?"
        ),
        "visit_error": "I couldn't book the visit: that car is no longer available. Shall I show similar options?",
        "reference_missing": "I can't find that option in the list I shared. Which model are you interested in?",
    },
}

BODY_NAMES: dict[str, dict[str, str]] = {
    "es": {
        "sedan": "sedán",
        "hatchback": "hatchback",
        "suv": "SUV",
        "pickup": "pickup",
        "minivan": "minivan",
        "coupe": "coupé",
    },
    "en": {
        "sedan": "sedan",
        "hatchback": "hatchback",
        "suv": "SUV",
        "pickup": "pickup",
        "minivan": "minivan",
        "coupe": "coupe",
    },
}

CRITERIA: dict[str, dict[str, str]] = {
    "es": {
        "cars": "autos",
        "max_price": "de hasta {v}",
        "min_price": "desde {v}",
        "min_year": "modelo {v} o más nuevo",
        "max_year": "hasta modelo {v}",
        "max_km": "con menos de {v} km",
        "subject": " de {v}",
    },
    "en": {
        "cars": "cars",
        "max_price": "up to {v}",
        "min_price": "from {v}",
        "min_year": "from model year {v}",
        "max_year": "up to model year {v}",
        "max_km": "under {v} km",
        "subject": " {v}",
    },
}
