# Palabras de todas las páginas y nombres de valores fijos (tipos, roles, estados…).
# Cada id tiene su gemelo en inglés en ../en/common.ftl.

skip-link = Saltar al contenido principal
quick-exit = Salida rápida
quick-exit-hint = (sale de este sitio; pulsa Escape dos veces)
nav-label = Sitio
nav-events = Eventos
nav-dashboard = Panel
nav-sign-out = Cerrar sesión
footer-privacy = Umbrella no guarda registro de quién la visita: sin rastreo, sin direcciones, nada se envía a otros sitios.
error-summary = Hay un problema
tags-label = Etiquetas
pages-label = Páginas
yes = sí
no = no
on = activada
off = desactivada

kind-workshop = Taller
kind-training = Formación
kind-action = Acción
kinds-workshop = Talleres
kinds-training = Formaciones
kinds-action = Acciones

role-none = Ningún rol en particular
role-marshal = Coordinación de seguridad
role-medic = Primeros auxilios
role-legal_observer = Observación legal
role-jail_support = Apoyo carcelario
role-driver = Conducción
role-deescalation = Desescalada
# Las personas de cada rol, como las cuenta un cupo ("Personas de seguridad: 1 de 3").
roles-marshal = Personas de seguridad
roles-medic = Personas de primeros auxilios
roles-legal_observer = Personas observadoras legales
roles-jail_support = Personas de apoyo carcelario
roles-driver = Personas conductoras
roles-deescalation = Personas de desescalada

status-going = Confirmada
status-waitlisted = En lista de espera
status-pending = Esperando la aprobación de la organización
status-declined = No aprobada
status-cancelled = Cancelada

privacy-public = Pública: la ve todo el mundo
privacy-attendees = Solo asistentes, con su enlace privado
privacy-reveal_at = Asistentes, a partir de una hora fijada
privacy-approved = Solo asistentes aprobadas

visibility-listed = Listado: en la portada y en el calendario
visibility-unlisted = No listado: solo quien tenga el enlace

count-display-exact = El número exacto
count-display-rounded = Un número redondeado (10+, 20+)
count-display-hidden = Nada

update-kind-announcement = Anuncio
update-kind-location = Cambio de lugar
update-kind-alert = Alerta de seguridad
update-kind-status = Estado
console-not-yet-safe-short = Aún sin avisar de que están bien
update-kind-help = Pedido de ayuda
audience-public = todo el mundo
audience-attendees = asistentes
audience-responders = quienes responden

location-not-set = Lugar por anunciar
location-for-attendees = El lugar se comparte con las personas asistentes
location-revealed-at = El lugar se comparte con las personas asistentes a las { $when }
location-for-approved = El lugar se comparte con las personas asistentes aprobadas

going-a-few = Van algunas personas
going-nobody = Nadie todavía: sé la primera persona
going-rounded = Van { $count }+
going-count = { $count ->
    [one] Va { $count } persona
   *[other] Van { $count } personas
}
capacity-places = { $count ->
    [one] { $count } plaza
   *[other] { $count } plazas
}
places-left = { $count ->
    [one] queda { $count }
   *[other] quedan { $count }
}
places-full = completo

error-bad-input = Hay que revisar algo del formulario
error-forbidden = No puedes abrir esta página
error-not-found = No encontramos esa página
error-conflict = Eso no se puede hacer ahora
error-too-large = Era demasiado para enviar
error-too-many = Demasiados intentos
error-ours = Algo falló de nuestro lado
error-bad-input-detail = No se pudo leer parte de lo enviado. Vuelve atrás y revisa el formulario.
error-forbidden-detail = Tienes que iniciar sesión, o esta página no es para tu cuenta.
error-not-found-detail = Puede que el enlace esté mal escrito, o que lo que señalaba se haya borrado.
error-conflict-detail = Puede que el evento esté cancelado o ya haya terminado.
error-too-large-detail = Envía menos texto de una vez.
error-too-many-detail = Espera un minuto y vuelve a intentarlo.
error-ours-detail = Vuelve a intentarlo dentro de un momento.
error-go-home = Ir a la lista de eventos

field-error-pseudonym = Escribe un nombre para usar, de hasta 64 caracteres.
field-error-guests = Acompañantes es un número del 0 al 10.
field-error-role = Elige uno de los roles que se ofrecen.
field-error-needs = Las necesidades pueden tener hasta 1.000 caracteres.
field-error-email = Escribe un correo como nombre@ejemplo.org, o déjalo vacío.
field-error-status = El único estado que puedes poner es cancelada.
field-error-kind = Elige un tipo.
field-error-title = Escribe un título de hasta 140 caracteres.
field-error-cover_title = El título discreto puede tener hasta 140 caracteres.
field-error-description = La descripción es demasiado larga.
field-error-starts_at = Escribe el inicio como fecha y hora.
field-error-ends_at = Escribe un final posterior al inicio.
field-error-location = El lugar es una sola línea de hasta 500 caracteres; un cambio de lugar necesita uno.
field-error-location_privacy = Elige quién ve el lugar.
field-error-location_reveal_at = Escribe cuándo compartir el lugar, antes de que termine el evento.
field-error-capacity = El aforo es un número entero, o vacío si no hay límite.
field-error-tags = Usa como mucho 10 etiquetas cortas, separadas por comas.
field-error-accessibility = Las notas de accesibilidad son demasiado largas.
field-error-language = Escribe un código de idioma como en o es.
field-error-visibility = Elige si aparece en la lista.
field-error-count_display = Elige cómo se muestra cuántas personas van.
field-error-roles = Elige roles de la lista.
field-error-reminder_offsets_minutes = Los recordatorios son horas antes del inicio, como 24, 2.
field-error-code = Ese código no funcionó.
field-error-confirm = Escribe la misma contraseña nueva dos veces.
field-error-password = Elige una contraseña más larga.
field-error-audience = Elige quién recibe la actualización.
field-error-text = Escribe un mensaje de hasta 2.000 caracteres.
field-error-safe_by = La hora de "en casa y bien" es solo para acciones, y después del inicio.
field-error-help_text = Escribe una sola línea de hasta 280 caracteres, o nada.
field-error-who_for = Para quién es: una sola línea de hasta 280 caracteres.
field-error-questions = Revisa las preguntas: hasta cinco, cada una con texto, y de dos a diez opciones para elegir.
field-error-uses = Los usos son un número entero del 1 al 10.000, o vacío si no hay límite.

## Series y cupos por rol
quota-count = { $role }: { $filled } de { $needed }
quota-met = { $role }: ya hay suficientes
quota-open = { $role }: todavía se necesitan
quota-more-needed = { $count ->
    [one] falta { $count }
   *[other] faltan { $count }
}
quota-still-needed = todavía se necesita
field-error-roles_needed = Indica un número entero de personas para cada rol, solo para los roles que ofrece el evento.
field-error-repeat-frequency = Elige diaria, semanal o mensual.
field-error-repeat-interval = Repite cada 1 a 52 días, semanas o meses.
field-error-repeat-count = Una serie tiene de 1 a 52 fechas.
field-error-repeat-until = La última fecha no puede ser anterior a la primera, y una serie tiene como mucho 52 fechas.
field-error-repeat = Indica un número de fechas o una última fecha, no ambas.
field-error-scope = Elige esta fecha, o esta y las siguientes.
