# Las páginas que ven las personas asistentes.

home-title = Próximos eventos
filter-all = Todos
filter-by-kind = Filtrar por tipo
filter-by-tag = Filtrar por etiqueta
home-none-match = Ningún evento próximo coincide con este filtro.
home-show-all = Ver todos los eventos
home-none-yet = Todavía no hay eventos próximos. Vuelve pronto.
home-later = Eventos posteriores
subscribe-heading = Añadir a tu calendario
subscribe-explain = Tu aplicación de calendario comprueba sola los cambios y las cancelaciones. Los eventos con nombre discreto aparecen con ese nombre.
subscribe-or-copy = o copia
subscribe-this-address = esta dirección
feed-these = Estos eventos
feed-all = Todos los eventos
badge-cancelled = Cancelado
badge-unlisted = No listado

fact-when = Cuándo
fact-where = Dónde
fact-access = Accesibilidad
fact-capacity = Aforo
fact-going = Asistencia
fact-roles = Roles del día

event-cancelled = Este evento está cancelado.
event-cancelled-more = No se va a celebrar.
event-ended = Este evento ya terminó.
event-add-calendar = Añadir a mi calendario

rsvp-heading = Confirmar asistencia
rsvp-explain = No hace falta cuenta ni nombre real. Recibirás un enlace privado para cambiar o cancelar tu asistencia; guárdalo, porque nadie puede recuperarlo por ti.
rsvp-pseudonym = Nombre que quieres usar
rsvp-pseudonym-hint = Cualquier nombre o apodo. No tiene que ser tu nombre real.
rsvp-guests = Acompañantes que traes
rsvp-role = Un rol el día del evento (opcional)
rsvp-needs = Necesidades de accesibilidad o algo que la organización deba saber (opcional)
rsvp-needs-hint = Solo lo ve la organización, y se borra después del evento.
rsvp-email = Correo para recordatorios (opcional)
rsvp-email-hint = Solo para recordatorios y cambios de este evento. Se guarda cifrado y se borra después del último recordatorio. Déjalo vacío para seguir en el anonimato total.
rsvp-submit = Confirmar asistencia
rsvp-purged = (borrado)

manage-title = Tu asistencia
manage-keep-link = Guarda el enlace de esta página.
manage-keep-link-more = Es la única forma de cambiar o cancelar tu asistencia, y nadie puede recuperarlo por ti. Añádelo a marcadores o cópialo en un lugar seguro.
manage-keep-heading = Guarda tu enlace privado
manage-link-label = Tu enlace privado
manage-copy = Copiar enlace
manage-copied = Enlace copiado. Pégalo donde solo tú lo veas.
manage-copy-failed = Selecciona el enlace y cópialo.
manage-show-qr = Mostrar un código QR para abrir esta página en otro teléfono
manage-qr-label = Código QR de tu enlace privado
manage-lost-link = Cualquiera con este enlace puede ver y cambiar tu asistencia, así que mantenlo en privado. Si lo pierdes, nadie puede encontrar tu asistencia por ti, tampoco la organización: confirma otra vez (la anterior se borra con los datos personales de todo el mundo poco después del evento), o simplemente ven.
manage-status = Estado
manage-name = Nombre
manage-guests = Acompañantes
manage-role = Rol
manage-reminders = Recordatorios
manage-email-saved = Hay un correo guardado para recordatorios.
manage-no-email = No hay correo guardado: no habrá recordatorios.
manage-on-the-day = El día del evento
manage-follow-live = Seguir las actualizaciones en directo
manage-is-safe = Avisaste de que llegaste bien a casa.
manage-arrived = Ya llegué
manage-home-safe = Llegué bien a casa
manage-calendar-hint = (privado: muestra el lugar cuando puedas verlo, y te avisa antes)
manage-edit-heading = Cambiar tu asistencia
manage-new-email = Correo nuevo para recordatorios (déjalo vacío para mantener el guardado)
manage-remove-email = Borrar ahora mi correo guardado
manage-save = Guardar cambios
manage-cant-make-it = ¿No puedes ir?
manage-cancel-explain = Al cancelar, tu plaza queda libre para alguien en la lista de espera.
manage-cancel = Cancelar mi asistencia
manage-delete-heading = Borrarme ahora
manage-delete-explain = Borra tu asistencia y todo lo que nos contaste, al momento. Este enlace deja de funcionar.
manage-delete = Borrar mi asistencia y mis datos
manage-done-saved = Tus cambios están guardados.
manage-done-checkedin = Quedó registrada tu llegada. Cuando estés en casa, avísanos de que estás bien.
manage-done-safe = Qué bien que llegaste a casa. Gracias por avisarnos.
manage-done-cancelled = Tu asistencia está cancelada. Aún puedes borrarla junto con tus datos más abajo.
manage-done-help = Tu pedido de ayuda llegó a la organización, primeros auxilios, observación legal y apoyo carcelario.
manage-done-helpwait = Pediste ayuda hace un momento: ya lo tienen. Puedes volver a pedirla en un minuto.
help-button = Necesito ayuda
help-what = ¿Qué deberían saber quienes responden? (opcional)
help-hint = Llega a la organización, primeros auxilios, observación legal y apoyo carcelario, con tu nombre. Una línea, como mucho 280 caracteres.

live-title = Actualizaciones en directo
live-back = Volver
live-refreshes = Esta página se actualiza sola cada 30 segundos.
live-for = para { $audience }
live-new-location = Nuevo lugar: { $place }
live-none-yet = Todavía no hay actualizaciones. Aparecerán aquí.
live-last-location = Último lugar conocido: { $place }
live-connection-back = Conexión recuperada. Estás al día.
live-connection-lost = Se perdió la conexión. Reintentando… Puede que las actualizaciones de abajo no sean las últimas.
live-offline = Sin conexión: se muestra lo guardado a las { $time }. Reintentando…

unsubscribe-done-title = No más correos
unsubscribe-done = Tu correo está borrado de esta asistencia. No recibirás más recordatorios ni avisos sobre ella.
unsubscribe-title = Dejar de recibir correos sobre esta asistencia
unsubscribe-explain = Esto borra al momento tu correo de esta asistencia. Tu asistencia sigue igual.
unsubscribe-button = Borrar mi correo
unsubscribe-back = Volver a tu asistencia

# Confirm page (the day-ahead reminder's link): still coming?
confirm-heading = ¿Sigues pensando venir?
confirm-explain = Díselo a quienes organizan. Si no puedes venir, tu plaza pasa enseguida a alguien de la lista de espera.
confirm-already = Nos dijiste que sigues pensando venir. ¡Gracias! Si eso cambia, deja libre tu plaza.
confirm-still-coming = Sigo pensando ir
confirm-cant-make-it = No puedo ir
confirm-nothing = Esta asistencia está cancelada o el evento ya terminó: no hay nada que confirmar.
manage-done-reconfirmed = Gracias: quienes organizan saben que sigues pensando venir.

# Door list (a door volunteer's link)
door-title = Lista de la puerta
door-arrived-of = Han llegado { $arrived } de { $going }
door-places-of = { $arrived } de { $going } plazas, con acompañantes
door-search-label = Buscar un nombre
door-search = Buscar
door-show-all = Mostrar a todo el mundo
door-shown-js = Personas mostradas: %n
door-nobody = Todavía no va nadie.
door-no-match = Ningún nombre coincide con esa búsqueda.
door-guests = { $count ->
    [one] { $count } acompañante
   *[other] { $count } acompañantes
}
door-arrived = Llegó
door-mark-arrived = Marcar llegada
door-expires = Este enlace funciona hasta { $when }. Guárdalo en privado: muestra quién viene.
door-done-arrived = Se marcó la llegada de { $name }.
fact-who-for = Para quién es
invite-neutral-title = Encuentro solo con invitación
invite-only-explain = Este encuentro es solo con invitación. Si te dieron un código de invitación, escríbelo abajo para ver los detalles y confirmar.
invite-code-heading = ¿Tienes un código de invitación?
invite-code-label = Código de invitación
invite-code-hint = Con mayúsculas o minúsculas, con o sin guiones.
invite-code-submit = Abrir la invitación
invite-needed = Este encuentro es solo con invitación: abre el enlace que te dieron o escribe tu código.
invite-problem-unknown = No conocemos este código de invitación. Revisa que esté bien escrito.
invite-problem-used_up = Este código ya se usó todas las veces que permite. Pide otro a quien te lo dio.
invite-problem-expired = Este código de invitación caducó. Pide otro a quien te lo dio.
invite-problem-revoked = Las organizadoras retiraron este código de invitación.
question-required = (obligatoria)
question-choose = Elige una opción
answer-yes = Sí
answer-no = No
manage-answers-hint = Tus respuestas anteriores se guardan y solo las ven las organizadoras. Para cambiarlas, responde de nuevo; déjalas vacías para conservar lo que dijiste.

fact-roles-needed = Todavía buscamos
series-next = Próximas fechas
